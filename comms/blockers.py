"""Messages past their answer date with items still unanswered, for the dashboards' blockers panel."""

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from coe_portal.dashboards.blockers import department_q, register_blocker

from .choices import DeliveryStatus
from .models import Delivery, Recipient, RecipientItem

NO_DEPARTMENT = "(no department)"


def overdue(departments):
    """Recipients whose message was sent, whose campaign's answer date has passed and who left an item unanswered."""
    sent = Delivery.objects.filter(recipient=OuterRef("pk"), status=DeliveryStatus.SENT)
    open_item = RecipientItem.objects.filter(recipient=OuterRef("pk"), answered_at__isnull=True)
    return (Recipient.objects.filter(Exists(sent), Exists(open_item), campaign__answer_by__lt=timezone.localdate())
            .filter(department_q(departments, "maker__department"))
            .annotate(unanswered=Count("items", filter=Q(items__answered_at__isnull=True)), items_total=Count("items"))
            .select_related("maker", "campaign").order_by("campaign__answer_by", "pk"))


def _cells(recipient):
    maker = recipient.maker
    return [str(maker), recipient.email, maker.department or NO_DEPARTMENT, recipient.campaign.name,
            recipient.campaign.answer_by.isoformat(), f"{recipient.unanswered} of {recipient.items_total}",
            recipient.reminders_sent]


register_blocker(
    "unanswered", "Messages unanswered past their deadline",
    "The maker was told and the answer date has passed, but some of the items in the message have no answer yet.",
    40, ["Maker", "E-mail", "Department", "Campaign", "Answer by", "Items unanswered", "Reminders sent"],
    overdue, _cells)
