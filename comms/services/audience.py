"""Which items a campaign is about: from a tag, an inventory filter or a selection."""

from coe_portal.core.filtering import strict_queryset
from inventory.filtersets import AppFilterSet, FlowFilterSet
from inventory.models import App, Flow

from ..choices import SourceKind

__all__ = ["campaign_items", "describe_source"]


def _apps():
    return App.objects.filter(deleted_at__isnull=True).select_related("owner", "environment")


def _flows():
    return Flow.objects.filter(deleted_at__isnull=True).select_related("creator", "environment")


def campaign_items(campaign):
    """(apps, flows) querysets of the campaign's source; InvalidFilter when its inventory filter no longer is valid."""
    kind = campaign.source_kind
    if kind == SourceKind.TAG:
        return _apps().filter(tags=campaign.tag), _flows().filter(tags=campaign.tag)
    if kind == SourceKind.APP_FILTER:
        return strict_queryset(AppFilterSet, campaign.filter_query, _apps()), Flow.objects.none()
    if kind == SourceKind.FLOW_FILTER:
        return App.objects.none(), strict_queryset(FlowFilterSet, campaign.filter_query, _flows())
    selection = campaign.selection or {}
    return _apps().filter(pk__in=selection.get("app", [])), _flows().filter(pk__in=selection.get("flow", []))


def describe_source(campaign):
    kind = campaign.source_kind
    if kind == SourceKind.TAG:
        return f"Items tagged {campaign.tag}"
    if kind in (SourceKind.APP_FILTER, SourceKind.FLOW_FILTER):
        return f"{campaign.get_source_kind_display()}: ?{campaign.filter_query}"
    selection = campaign.selection or {}
    return f"{len(selection.get('app', []))} apps and {len(selection.get('flow', []))} flows selected"
