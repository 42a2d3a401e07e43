"""Communication figures for the progress dashboards: items whose owner was told, and answered."""

from django.db.models import Exists, OuterRef

from coe_portal.dashboards.freshness import figures_changed
from coe_portal.dashboards.metrics import by_department, register
from inventory.models import App, Flow

from .choices import DeliveryStatus
from .models import Delivery, RecipientItem
from .signals import maker_answered


def _items(**item_filters):
    sent = Delivery.objects.filter(recipient=OuterRef("recipient"), status=DeliveryStatus.SENT)
    told = RecipientItem.objects.filter(Exists(sent), **item_filters)
    apps = App.objects.filter(environment__is_default=True,
                              pk__in=told.filter(app__isnull=False).values("app_id"))
    flows = Flow.objects.filter(environment__is_default=True,
                                pk__in=told.filter(flow__isnull=False).values("flow_id"))
    return by_department((apps, "owner"), (flows, "creator"))


def notified():
    return _items()


def answered():
    return _items(answered_at__isnull=False)


register("notified", "Owner notified", 30, notified)
register("answered", "Owner answered", 40, answered)
maker_answered.connect(figures_changed, dispatch_uid="dashboards-answers")
