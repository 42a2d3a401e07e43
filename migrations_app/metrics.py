"""Migration figures for the progress dashboards' funnel (see coe_portal/dashboards/metrics.py).

An item counts once, by its latest request: migrating while the request is approved, scheduled,
running, waiting for input or failed (to be retried); migrated once its job is done.
"""

from django.db.models import Exists, OuterRef

from coe_portal.dashboards.metrics import by_department, register
from inventory.models import App, Flow

from .choices import RequestState
from .models import RequestItem

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
