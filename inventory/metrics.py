"""Figures of the inventory for the progress dashboards (see coe_portal/dashboards/metrics.py)."""

from collections import Counter, defaultdict
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.signals import m2m_changed
from django.urls import reverse

from coe_portal.dashboards.freshness import figures_changed
from coe_portal.dashboards.metrics import by_department, register, register_breakdown, register_fact, register_linked

from .models import App, Environment, Flow, TriageSettings
from .signals import cleanup_event


def _default_items(**filters):
    apps = App.objects.filter(environment__is_default=True, **filters)
    flows = Flow.objects.filter(environment__is_default=True, **filters)
    return apps, flows


def _count(apps, flows):
    return by_department((apps, "owner"), (flows, "creator"))


def inventoried():
    return _count(*_default_items())


def remaining():
    return _count(*_default_items(deleted_at__isnull=True))


def tagged():
    apps, flows = _default_items(deleted_at__isnull=True)
    apps = apps.filter(Exists(App.tags.through.objects.filter(app_id=OuterRef("pk"))))
    flows = flows.filter(Exists(Flow.tags.through.objects.filter(flow_id=OuterRef("pk"))))
    return _count(apps, flows)


def quarantined():
    apps, _ = _default_items(deleted_at__isnull=True)
    return by_department((apps.filter(quarantine_status="quarantined"), "owner"))


def deleted():
    return _count(*_default_items(deleted_at__isnull=False))


def _default_capacity(field):
    def read():
        return Environment.objects.filter(is_default=True, deleted_at__isnull=True).aggregate(v=Sum(field))["v"]
    return read


def items_elsewhere():
    live = {"deleted_at__isnull": True, "environment__is_default": False}
    return App.objects.filter(**live).count() + Flow.objects.filter(**live).count()


def left_by_environment():
    """{department: {environment pk: live apps and flows}}: where the items are (the default environment's are
    left to move, the others' have moved)."""
    totals = defaultdict(Counter)
    for model, owner in ((App, "owner"), (Flow, "creator")):
        field = f"{owner}__department"
        rows = (model.objects.filter(deleted_at__isnull=True).order_by().values(field, "environment_id")
                .annotate(n=Count("pk")).values_list(field, "environment_id", "n"))
        for department, environment, count in rows:
            totals[department or ""][environment] += count
    return {department: dict(parts) for department, parts in totals.items()}


def _usage_figures(model, owner, days, departments):
    plural = model._meta.verbose_name_plural.capitalize()
    url = reverse(f"inventory:{model._meta.model_name}-list")
    live = model.objects.filter(deleted_at__isnull=True)
    scope = {}
    if departments is not None:
        live = live.filter(**{f"{owner}__department__in": departments})
        scope = {"department": next(iter(departments))} if len(departments) == 1 else {}
    counts = live.aggregate(unused=Count("pk", filter=Q(pk__in=live.unused_for(days).values("pk"))),
                            unknown=Count("pk", filter=Q(pk__in=live.usage_unknown_for(days).values("pk"))))
    unused, unknown = urlencode({"unused_for": days, **scope}), urlencode({"usage_unknown": "true", **scope})
    return [(f"{plural} unused for {days} days", counts["unused"], f"{url}?{unused}"),
            (f"{plural}: usage unknown", counts["unknown"], f"{url}?{unknown}")]


def usage_figures(departments):
    """Apps and flows unused for the inactive period and those whose usage is unknown, each with its list."""
    days = TriageSettings.current().inactive_days
    return _usage_figures(App, "owner", days, departments) + _usage_figures(Flow, "creator", days, departments)


register("inventoried", "Inventoried", 10, inventoried)
register("tagged", "Tagged", 20, tagged)
register("quarantined", "Quarantined", 70, quarantined)
register("deleted", "Deleted", 80, deleted)
register("remaining", "Left in the default environment", 100, remaining)
# Rated consumption: what counts against the limit beside it.
register_fact("capacity_database_mb", "Database, rated (MB)", _default_capacity("capacity_database_rated_mb"))
register_fact("capacity_file_mb", "File, rated (MB)", _default_capacity("capacity_file_rated_mb"))
register_fact("capacity_log_mb", "Log, rated (MB)", _default_capacity("capacity_log_rated_mb"))
register_fact("capacity_limit_mb", "Limit (MB)", _default_capacity("capacity_limit_mb"))
register_fact("items_elsewhere", "Apps and flows in other environments", items_elsewhere)
# The key predates the rule that only the default environment's items are "left"; snapshots keep it.
register_breakdown("left_by_environment", "Items per environment", left_by_environment)
register_linked("usage", usage_figures)
# Quarantined and deleted move with the clean-up stages; tags added one item at a time (the API) with m2m_changed.
cleanup_event.connect(figures_changed, dispatch_uid="dashboards-cleanup")
m2m_changed.connect(figures_changed, sender=App.tags.through, dispatch_uid="dashboards-app-tags")
m2m_changed.connect(figures_changed, sender=Flow.tags.through, dispatch_uid="dashboards-flow-tags")
