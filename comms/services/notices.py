"""One message to one maker about one thing (a migration approved, waiting for them, completed).

It goes the way every campaign message goes: a finished one-recipient campaign, its recipient and a
delivery row written before the send, sent after commit by the delivery task (retries, delivery log).
"""

from django.utils import timezone

from ..choices import Audience, CampaignStatus, SourceKind
from ..models import Campaign, Delivery, EmailTemplate, Recipient
from ..rendering import render_message
from .campaigns import enqueue_deliveries
from .context import message_context
from .defaults import load_defaults

__all__ = ["do_notify_maker", "template_for"]


def template_for(stage):
    """The app owners' template of `stage` (an admin's edit first, else the shipped one, loaded if missing)."""
    found = EmailTemplate.objects.filter(stage=stage, audience=Audience.APP_OWNERS)
    if not found.exists():
        load_defaults(EmailTemplate)
    return found.order_by("-is_default", "pk").first()


def do_notify_maker(maker, stage, name, items, selection, created_by=None, migration=None):
    """Write `maker`'s message of `stage` and queue its send after commit; return the Delivery.

    Args:
        items: the `items` entries of the context (context.item_context, completed by the caller).
        selection: {"app": [ids], "flow": [ids]}, the campaign's items.
        migration: the `migration` entry of the context (a migration request's address, target, ...).
    """
    template = template_for(stage)
    campaign = Campaign.objects.create(name=name, template=template, source_kind=SourceKind.SELECTION,
                                       selection=selection, status=CampaignStatus.FINISHED, launched=timezone.now(),
                                       created_by=created_by)
    recipient = Recipient.objects.create(campaign=campaign, maker=maker, email=maker.email)
    context = message_context({"name": campaign.name, "answer_by": ""}, maker, items, recipient.code,
                              migration=migration)
    subject, text, html = render_message(template, context)
    delivery = Delivery.objects.create(campaign=campaign, recipient=recipient, to=maker.email, subject=subject,
                                       body_text=text, body_html=html)
    enqueue_deliveries([delivery.pk])
    return delivery
