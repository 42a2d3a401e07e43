"""Tell owners their apps were quarantined / flows stopped: one message per owner per clean-up job.

A clean-up job (one item from its page, or a bulk selection) gets a campaign of its own, so the
answer links, the answer queue and the campaign's counts work as for any campaign. The message
is written once no item of the job is still being held (the last hold's task writes it), listing
every item of the owner held since; an item held later (a retried failure) gets a message of its
own. The campaign row is locked while writing, so two tasks never tell an owner twice.
"""

from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from coe_portal.core import audit
from coe_portal.core.models import JobRun
from inventory.choices import CleanupStage
from inventory.models import CleanupCase

from ..choices import CampaignStatus, DeliveryKind, SourceKind, Stage
from ..models import Campaign, Delivery, Recipient, RecipientItem
from ..rendering import render_message
from .campaigns import enqueue_deliveries
from .context import item_context, message_context
from .notices import template_for

__all__ = ["notice_for", "queue_cleanup_notices", "queue_cleanup_reminder"]


def queue_cleanup_notices(job_id):
    """Queue a message to each owner of the job's items held and not yet told; the number queued.

    Nothing while an item of the job is still being quarantined or stopped: that hold's own call
    writes the message then, so an owner of many items gets one message, not one per item.
    """
    cases = CleanupCase.objects.filter(job_id=job_id)
    if cases.filter(Q(stage=CleanupStage.PENDING) | Q(stage=CleanupStage.WAITING, grace_until__isnull=True)).exists():
        return 0
    held = list(cases.filter(stage=CleanupStage.WAITING, grace_until__isnull=False)
                .select_related("app__owner", "app__environment", "flow__creator", "flow__environment"))
    if not held:
        return 0
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=_campaign(JobRun.objects.get(pk=job_id), held).pk)
        told = set(RecipientItem.objects.filter(recipient__campaign=campaign).values_list("app_id", "flow_id"))
        fresh = [case for case in held if (case.app_id, case.flow_id) not in told]
        deliveries = [_write(campaign, maker, owned) for maker, owned in _by_owner(fresh).items()]
        enqueue_deliveries([delivery.pk for delivery in deliveries])
    return len(deliveries)


def _campaign(job, held):
    """The job's notice campaign (created by the first notice; a racing creator's row is reused)."""
    existing = Campaign.objects.filter(cleanup_job=job).first()
    if existing:
        return existing
    first = held[0]
    name = f"Clean-up of {first.item}" if job.progress_total <= 1 else f"Clean-up job #{job.pk}"
    try:
        with transaction.atomic():
            return Campaign.objects.create(
                name=name, template=template_for(Stage.QUARANTINE), source_kind=SourceKind.SELECTION, cleanup_job=job,
                selection={"app": [case.app_id for case in held if case.app_id],
                           "flow": [case.flow_id for case in held if case.flow_id]},
                status=CampaignStatus.ACTIVE, launched=timezone.now(), created_by=job.created_by,
                answer_by=timezone.localdate(min(case.grace_until for case in held)))
    except IntegrityError:
        return Campaign.objects.get(cleanup_job=job)


def _by_owner(cases):
    """{maker: [cases]} for owners who can be written to (an address, still in the directory)."""
    owned = defaultdict(list)
    for case in cases:
        maker = case.item.owner if case.app_id else case.item.creator
        if maker is not None and maker.email and not maker.is_deleted_in_entra:
            owned[maker].append(case)
    return owned


def _write(campaign, maker, cases):
    """The owner's recipient row, their items, and one message about them, queued after commit."""
    recipient, _ = Recipient.objects.get_or_create(campaign=campaign, maker=maker, defaults={"email": maker.email})
    RecipientItem.objects.bulk_create([RecipientItem(recipient=recipient, **{case.kind: case.item}) for case in cases])
    answer_by = timezone.localdate(min(case.grace_until for case in cases)).isoformat()
    context = message_context({"name": campaign.name, "answer_by": answer_by}, maker,
                              [item_context(case.item) for case in cases], recipient.code)
    subject, text, html = render_message(campaign.template, context)
    delivery = Delivery.objects.create(campaign=campaign, recipient=recipient, kind=DeliveryKind.FIRST,
                                       sequence=recipient.deliveries.count(), to=maker.email, subject=subject,
                                       body_text=text, body_html=html)
    for case in cases:
        audit.record(None, "cleanup.notice", obj=case.item, to=maker.email, campaign=campaign.pk,
                     answer_by=answer_by)
    return delivery


def _notice_entry(case):
    """The case's item as a notice listed it (the newest notice since the case opened), or None."""
    item = {f"{case.kind}_id": case.app_id or case.flow_id}
    return (RecipientItem.objects.filter(**item, recipient__campaign__cleanup_job__isnull=False,
                                         recipient__campaign__created__gte=case.created)
            .select_related("recipient").order_by("-pk").first())


def notice_for(case):
    """The newest message to the case's owner about its item (the notice, or a reminder), or None."""
    entry = _notice_entry(case)
    if entry is None:
        return None
    return entry.recipient.deliveries.order_by("-queued_at", "-pk").first()


def queue_cleanup_reminder(case_id):
    """Remind the owner told about the case's item, unless they answered for it; the delivery, or None."""
    case = CleanupCase.objects.select_related("app__environment", "flow__environment").get(pk=case_id)
    entry = _notice_entry(case)
    if entry is None or entry.answered_at:
        return None
    with transaction.atomic():
        recipient = Recipient.objects.select_for_update().select_related("campaign__template", "maker").get(
            pk=entry.recipient_id)
        campaign = recipient.campaign
        sequence = recipient.deliveries.count()
        answer_by = timezone.localdate(case.grace_until).isoformat()
        context = message_context({"name": campaign.name, "answer_by": answer_by}, recipient.maker,
                                  [item_context(case.item)], recipient.code, reminder_number=sequence)
        subject, text, html = render_message(campaign.reminder_template or campaign.template, context)
        delivery = Delivery.objects.create(campaign=campaign, recipient=recipient, kind=DeliveryKind.REMINDER,
                                           sequence=sequence, to=recipient.email, subject=subject, body_text=text,
                                           body_html=html)
        enqueue_deliveries([delivery.pk])
    return delivery
