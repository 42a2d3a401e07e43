"""Home-page cards of comms: answers to review and campaigns sending (admins); the CoE's open asks (makers)."""

from django import template
from django.db.models import F
from django.urls import reverse

from ..choices import Answer, CampaignStatus
from ..links import make_token
from ..models import Campaign, Recipient, RecipientItem

register = template.Library()


@register.inclusion_tag("comms/inc/home_attention.html")
def answers_attention():
    unreviewed = Recipient.objects.exclude(answer="").filter(reviewed_at__isnull=True).count()
    sending = Campaign.objects.filter(status__in=[CampaignStatus.SCHEDULED, CampaignStatus.LAUNCHING]).count()
    return {"rows": [("Answers to review", unreviewed, f"{reverse('comms:answer-queue')}?pending_review=true"),
                     ("Campaigns scheduled or sending", sending, reverse("comms:campaign-list"))]}


def _open_messages(user):
    """The campaigns still asking this user (as an inventory maker) about items they have not answered for."""
    from inventory.models import Maker

    return (RecipientItem.objects.filter(recipient__maker__in=Maker.objects.for_user(user), answered_at=None,
                                         recipient__campaign__status=CampaignStatus.ACTIVE)
            .select_related("recipient__campaign", "app", "flow")
            .order_by(F("recipient__campaign__answer_by").asc(nulls_last=True), "recipient_id", "pk"))


def _by_message(entries):
    """[(recipient, its campaign, [items], {answer: link})], one per message, in the order of `entries`."""
    found = {}
    for entry in entries:
        recipient = entry.recipient
        if recipient.pk not in found:
            links = {answer.value: reverse("comms:answer", kwargs={"token": make_token(recipient.code, answer)})
                     for answer in Answer}
            found[recipient.pk] = (recipient, recipient.campaign, [], links)
        found[recipient.pk][2].append(entry.item)
    return list(found.values())


@register.inclusion_tag("comms/inc/home_maker.html")
def maker_messages(user):
    """The CoE's messages this maker has not answered for every item: answer-by date, items, answer links."""
    return {"messages": _by_message(_open_messages(user)[:200])}


@register.inclusion_tag("comms/inc/item_asks.html")
def item_asks(item, user):
    """The CoE's unanswered messages about one item to the signed-in maker, with their answer links."""
    entries = _open_messages(user).filter(**{item._meta.model_name: item})
    return {"messages": _by_message(entries), "item": item}
