"""Which items a campaign is about: from a tag, an inventory filter or a selection; whom it reaches."""

from dataclasses import dataclass

from django.db.models import Q

from coe_portal.core.filtering import strict_queryset
from inventory.filtersets import AppFilterSet, FlowFilterSet
from inventory.models import App, Flow, Maker

from ..choices import SourceKind

__all__ = ["Reach", "campaign_items", "describe_source", "reach"]


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


@dataclass(frozen=True)
class Reach:
    """What starting a campaign would do: its items, the owners written to, the items nobody can be asked about."""

    apps: int
    flows: int
    makers: int
    unreachable: int

    @property
    def items(self):
        return self.apps + self.flows


def _reachable(prefix):
    """Owners a launch writes to (campaigns._group_by_maker's rule): with an address, still in Entra ID."""
    return Q(**{f"{prefix}__isnull": False}) & ~Q(**{f"{prefix}__email": ""}) & Q(
        **{f"{prefix}__is_deleted_in_entra": False})


def reach(campaign):
    """The Reach of `campaign` (saved or not) now; InvalidFilter as campaign_items."""
    apps, flows = campaign_items(campaign)
    owners = Maker.objects.filter(Q(pk__in=apps.values("owner")) | Q(pk__in=flows.values("creator")))
    unreachable = apps.exclude(_reachable("owner")).count() + flows.exclude(_reachable("creator")).count()
    return Reach(apps=apps.count(), flows=flows.count(), unreachable=unreachable,
                 makers=owners.exclude(email="").filter(is_deleted_in_entra=False).count())
