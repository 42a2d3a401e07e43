"""Home-page cards of the inventory: what needs a CoE admin's attention today, and the syncs' health.

Each figure is a link to the list it counts, with the filters that give exactly those rows.
"""

from datetime import timedelta

from django import template
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from ..choices import CleanupStage, SyncKind, SyncStatus
from ..models import App, CleanupCase, Flow, SyncRun, TriageSettings

register = template.Library()



def _link(name, **filters):
    return f"{reverse(name)}?{urlencode(filters)}" if filters else reverse(name)


@register.inclusion_tag("inventory/inc/home_attention.html")
def inventory_attention():
    """Items to move, unused, recommended for clean-up, grace periods ending this week."""
    days = TriageSettings.current().inactive_days
    live_apps, live_flows = App.objects.filter(deleted_at=None), Flow.objects.filter(deleted_at=None)
    week = timezone.now() + timedelta(days=7)
    rows = []
    for label, model_list, items in (("Apps", "inventory:app-list", live_apps),
                                     ("Flows", "inventory:flow-list", live_flows)):
        rows += [
            (f"{label} in the default environment", items.filter(environment__is_default=True).count(),
             _link(model_list, default_environment="true")),
            (f"{label} unused for {days} days", items.unused_for(days).count(), _link(model_list, unused_for=days)),
            (f"{label} whose usage is unknown", items.usage_unknown_for(days).count(),
             _link(model_list, usage_unknown="true")),
            (f"{label} recommended for quarantine", items.filter(recommendation="quarantine").count(),
             _link(model_list, recommendation="quarantine")),
            (f"{label} recommended for deletion", items.filter(recommendation="delete").count(),
             _link(model_list, recommendation="delete")),
        ]
    ending = CleanupCase.objects.filter(stage=CleanupStage.WAITING, grace_until__lte=week).count()
    rows.append(("Clean-up grace periods ending within 7 days", ending, _link("inventory:case-list")))
    return {"rows": rows}


@register.inclusion_tag("inventory/inc/home_health.html")
def sync_health():
    """The last inventory and usage syncs, each with its state and age."""
    latest = []
    for kinds, label in (((SyncKind.FULL, SyncKind.INCREMENTAL), "Inventory"),
                         ((SyncKind.USAGE_AUDIT,), "App launches"), ((SyncKind.USAGE_RUNS,), "Flow runs")):
        run = SyncRun.objects.filter(kind__in=kinds).order_by("-started").first()
        latest.append((label, run))
    failing = SyncRun.objects.filter(status__in=[SyncStatus.COMPLETED_WITH_ERRORS, SyncStatus.FAILED],
                                     started__gte=timezone.now() - timedelta(days=1)).count()
    return {"latest": latest, "failing": failing}


@register.inclusion_tag("inventory/inc/home_maker.html")
def maker_asks(user):
    """What the CoE asks of this maker: clean-up cases waiting on their answer (with the grace date),
    and their items the CoE recommends moving or cleaning up, each with its reasons."""
    apps, flows = App.objects.visible_to(user).filter(deleted_at=None), Flow.objects.visible_to(user).filter(
        deleted_at=None)
    waiting = (CleanupCase.objects.filter(stage=CleanupStage.WAITING)
               .filter(Q(app__in=apps) | Q(flow__in=flows)).select_related("app", "flow").order_by("grace_until"))
    asked = [item for items in (apps, flows)
             for item in items.filter(recommendation__in=["migrate", "quarantine", "delete"]).order_by("display_name")]
    return {"waiting": waiting[:20], "asked": asked[:20], "more": max(0, len(asked) - 20),
            "total": apps.count() + flows.count()}
