"""Migration figures for the progress dashboards' funnel (see coe_portal/dashboards/metrics.py).

An item counts once, by its latest request: migrating while the request is approved, scheduled,
running, waiting for input or failed (to be retried); migrated once its job is done.
"""

from django.db.models import Exists, OuterRef

from coe_portal.dashboards.metrics import by_department, register, register_breakdown
from inventory.models import App, Flow

from .choices import RequestState
from .models import RequestItem, Wave
from .services.no_target import count_by_department

IN_FLIGHT = (RequestState.APPROVED, RequestState.SCHEDULED, RequestState.RUNNING, RequestState.NEEDS_INPUT,
             RequestState.FAILED)


def _items_in(states):
    apps = App.objects.filter(environment__is_default=True).filter(
        Exists(RequestItem.objects.filter(app=OuterRef("pk"), request__state__in=states)))
    flows = Flow.objects.filter(environment__is_default=True).filter(
        Exists(RequestItem.objects.filter(flow=OuterRef("pk"), request__state__in=states)))
    return by_department((apps, "owner"), (flows, "creator"))


def migrating():
    return _items_in(IN_FLIGHT)


def migrated():
    return _items_in((RequestState.DONE,))


register("migrating", "Migrating", 50, migrating)
register("migrated", "Migrated", 60, migrated)
# Items no environment would take (the blockers panel counts them from here): a DLP evaluation of every
# default-environment item is a worker's job at snapshot time, not a page's.
register("no_target", "No target environment", 120, count_by_department)


# Progress by wave: each wave's items by where they stand, per owner department.
WAVE_STAGES = {RequestState.APPROVED: "waiting", RequestState.SCHEDULED: "waiting", RequestState.RUNNING: "migrating",
               RequestState.NEEDS_INPUT: "migrating", RequestState.FAILED: "failed", RequestState.DONE: "migrated"}


def items_by_wave():
    """{department: {"<wave pk>:<stage>": items}} over requests in a wave (stages: WAVE_STAGES)."""
    totals = {}
    rows = (RequestItem.objects.filter(request__wave__isnull=False, request__state__in=list(WAVE_STAGES))
            .values_list("request__wave_id", "request__state", "app__owner__department", "flow__creator__department"))
    for wave, state, app_department, flow_department in rows.iterator(chunk_size=2000):
        parts = totals.setdefault(app_department or flow_department or "", {})
        part = f"{wave}:{WAVE_STAGES[state]}"
        parts[part] = parts.get(part, 0) + 1
    return totals


def wave_names(parts):
    ids = {int(part.split(":")[0]) for part in parts if part.split(":")[0].isdigit()}
    return {str(pk): name for pk, name in Wave.objects.filter(pk__in=ids).values_list("pk", "name")}


# Every part is kept: a department's waves are few, and "other" would hide which wave is late.
register_breakdown("items_by_wave", "Items per wave", items_by_wave, keep=10_000, names=wave_names)
