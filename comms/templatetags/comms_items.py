"""What comms shows on an item's page: when its owner is (was) told of a clean-up, and the answers about it."""

from datetime import timedelta

from django import template
from django.utils import timezone

from ..choices import DeliveryStatus
from ..models import RecipientItem
from ..querysets import answers_visible_to
from ..services.cleanup_notices import notice_for

register = template.Library()


# How long after the hold the notice line keeps following a message not yet sent.
FOLLOW_FOR = timedelta(minutes=10)


@register.inclusion_tag("comms/inc/case_notice.html")
def case_notice(case, owner):
    """The case's notice line: when the e-mail to the owner goes, went, or why none goes."""
    notice = notice_for(case) if case.job_id else None
    reachable = owner is not None and bool(owner.email) and not owner.is_deleted_in_entra
    recent = case.claimed_at is None or case.claimed_at > timezone.now() - FOLLOW_FOR
    pending = notice is None or notice.status in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
    follows = reachable and pending and recent and (case.is_working or case.awaits_owner)
    return {"case": case, "owner": owner, "reachable": reachable, "notice": notice, "follows": follows}


@register.simple_tag(takes_context=True)
def item_answers(context, item):
    """The answers about `item` the signed-in user may read, newest campaign first."""
    kind = item._meta.model_name
    entries = RecipientItem.objects.filter(**{kind: item}).exclude(answer="")
    return list(answers_visible_to(context["request"].user, entries)
                .select_related("recipient__campaign").order_by("-answered_at")[:20])
