"""Launch a campaign: one recipient and one message per maker listing all their items."""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from coe_portal.core.bulk import copy_rows
from coe_portal.core.filtering import InvalidFilter

from ..choices import CampaignStatus, DeliveryKind
from ..models import Campaign, Delivery, DepartmentHead, Recipient, RecipientItem
from ..rendering import TemplateRenderError, render_message
from .audience import campaign_items
from .context import campaign_context, digest_context, item_context, maker_context, message_context

__all__ = ["chunks", "do_launch_campaign", "enqueue_deliveries", "queue_reminders", "schedule_campaign"]


def chunks(ids, size=None):
    size = size or settings.COMMS_CHUNK_SIZE
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def enqueue_deliveries(ids):
    """Send the deliveries in Celery tasks of COMMS_CHUNK_SIZE ids, once the rows are committed."""
    from ..tasks import send_deliveries

    for chunk in chunks(list(ids)):
        transaction.on_commit(lambda chunk=chunk: send_deliveries.delay(chunk))


def schedule_campaign(campaign):
    """Draft -> scheduled; the launch task (now, or at send_at from the beat) does the rest."""
    from ..tasks import launch_campaign

    updated = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.DRAFT).update(
        status=CampaignStatus.SCHEDULED)
    if updated and (campaign.send_at is None or campaign.send_at <= timezone.now()):
        transaction.on_commit(lambda: launch_campaign.delay(campaign.pk))
    return bool(updated)


def _group_by_maker(campaign):
    """{maker: [items]} for makers with an address; and how many items had nobody to write to."""
    apps, flows = campaign_items(campaign)
    by_maker, skipped = defaultdict(list), 0
    for item, maker in [(app, app.owner) for app in apps] + [(flow, flow.creator) for flow in flows]:
        if maker is None or not maker.email or maker.is_deleted_in_entra:
            skipped += 1
        else:
            by_maker[maker].append(item)
    return by_maker, skipped


def _message(campaign, template, recipient, items_context, sequence):
    subject, text, html = render_message(template, message_context(
        campaign_context(campaign), recipient.maker, items_context, recipient.code, sequence))
    kind = DeliveryKind.REMINDER if sequence else DeliveryKind.FIRST
    return Delivery(campaign=campaign, recipient=recipient, kind=kind, sequence=sequence, to=recipient.email,
                    subject=subject, body_text=text, body_html=html)


def do_launch_campaign(campaign_id, enqueue=True):
    """Create recipients, their items and their first messages; queue the sends. Claimed once.

    Returns the number of messages queued, or None when another worker launched it or it is not due.
    """
    campaign = Campaign.objects.select_related("template", "tag").get(pk=campaign_id)
    if not campaign.claim_launch():
        return None
    try:
        with transaction.atomic():
            queued = _launch(campaign, enqueue)
    except (TemplateRenderError, InvalidFilter) as exc:  # a filter gone invalid would write to every maker
        Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.FAILED, error=str(exc))
        return None
    return queued


def _launch(campaign, enqueue):
    by_maker, skipped = _group_by_maker(campaign)
    now = timezone.now()
    reminder_at = now + timedelta(days=campaign.cadence_days) if campaign.cadence_days and campaign.max_reminders \
        else None
    recipients = [Recipient(campaign=campaign, maker=maker, email=maker.email, next_reminder_at=reminder_at)
                  for maker in by_maker]
    _copy(Recipient, recipients)
    ids = dict(Recipient.objects.filter(campaign=campaign).values_list("code", "pk"))
    for recipient in recipients:
        recipient.pk = ids[recipient.code]
    _copy(RecipientItem, (RecipientItem(recipient=recipient, **{item._meta.model_name: item})
                          for recipient in recipients for item in by_maker[recipient.maker]))
    messages = [_message(campaign, campaign.template, recipient,
                         [item_context(item) for item in by_maker[recipient.maker]], 0) for recipient in recipients]
    _copy(Delivery, messages + _digests(campaign, recipients, by_maker))
    note = f"{skipped} items have no maker with an e-mail address." if skipped else ""
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.ACTIVE, launched=now, error=note)
    deliveries = list(campaign.deliveries.order_by("pk").values_list("pk", flat=True))
    if enqueue:
        enqueue_deliveries(deliveries)
    return len(deliveries)


def _copy(model, objects):
    """COPY unsaved instances into the model's table: 10,000 messages are 60 MB of text."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    copy_rows(model._meta.db_table, [field.column for field in fields],
              ([getattr(obj, field.attname) for field in fields] for obj in objects))


def _digests(campaign, recipients, by_maker):
    """One digest per department that has a head, listing its makers and their items."""
    if not campaign.digest_template_id:
        return []
    heads = dict(DepartmentHead.objects.values_list("department", "emails"))
    departments = defaultdict(list)
    for recipient in recipients:
        if recipient.maker.department in heads:
            items = [item_context(item) for item in by_maker[recipient.maker]]
            departments[recipient.maker.department].append({**maker_context(recipient.maker), "answer": "",
                                                             "items": items})
    out = []
    for department, makers in sorted(departments.items()):
        subject, text, html = render_message(campaign.digest_template,
                                             digest_context(campaign_context(campaign), department, makers))
        out.append(Delivery(campaign=campaign, kind=DeliveryKind.DIGEST, department=department,
                            to=heads[department], subject=subject, body_text=text, body_html=html))
    return out


def queue_reminders(now=None):
    """Queue the next reminder of every due recipient with an item still unanswered; return how many.

    An answer for some items of a message leaves the others waiting: the cadence goes on until
    every item of the message has an answer.
    """
    now = now or timezone.now()
    due = (Recipient.objects.awaiting_answer()
           .filter(next_reminder_at__lte=now, campaign__status=CampaignStatus.ACTIVE,
                   reminders_sent__lt=F("campaign__max_reminders"))
           .select_related("campaign__template", "campaign__reminder_template", "maker"))
    queued = []
    for recipient in due[:5000]:
        with transaction.atomic():
            delivery = _remind(recipient, now)
        if delivery:
            queued.append(delivery.pk)
    enqueue_deliveries(queued)
    return len(queued)


def _remind(recipient, now):
    campaign, sequence = recipient.campaign, recipient.reminders_sent + 1
    last = sequence >= campaign.max_reminders
    claimed = Recipient.objects.awaiting_answer().filter(
        pk=recipient.pk, reminders_sent=recipient.reminders_sent).update(
        reminders_sent=sequence, next_reminder_at=None if last else now + timedelta(days=campaign.cadence_days))
    if not claimed:
        return None
    waiting = recipient.items.filter(answer="").select_related("app__environment", "flow__environment")
    items = [item_context(entry.item) for entry in waiting]  # a reminder asks only what is still open
    message = _message(campaign, campaign.reminder_template or campaign.template, recipient, items, sequence)
    message.save()
    return message
