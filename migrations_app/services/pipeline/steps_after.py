"""Steps 7-8, once the copy is verified: tell the maker, then clean up the source (or keep it).

Both only write rows (a comms delivery, clean-up cases) and queue their tasks on commit; the
runner runs each in one transaction with the step's completion, so neither happens twice.
"""

from django.utils import timezone

from comms.choices import Audience, CampaignStatus, SourceKind, Stage
from comms.models import Campaign, Delivery, EmailTemplate, Recipient
from comms.rendering import render_message
from comms.services.campaigns import enqueue_deliveries
from comms.services.context import item_context, message_context
from comms.services.defaults import load_defaults
from inventory.choices import CleanupMode
from inventory.models import Maker
from inventory.services.cleanup import start_cleanup

from ...choices import SourceAction
from .common import StepFailed, items_of

__all__ = ["cleanup", "notify"]


def _template():
    found = EmailTemplate.objects.filter(stage=Stage.MIGRATION_COMPLETED, audience=Audience.APP_OWNERS)
    if not found.exists():
        load_defaults(EmailTemplate)
    return found.order_by("-is_default", "pk").first()


def _maker(job):
    user = job.request.requested_by
    return Maker.objects.for_user(user).exclude(email="").first()


def _items_context(job):
    rows = []
    for row in job.request.items.select_related("app__environment", "flow__environment"):
        context = item_context(row.item)
        refs = [ref["display_name"] for ref in job.connection_refs]
        context.update(new_url=row.new_url, connections=refs, environment=job.request.target.display_name,
                       trigger_url="(changed: see the flow in the new environment)"
                       if row.flow_id and row.flow.has_http_trigger else "")
        rows.append(context)
    return rows


def notify(job, client):
    """Step 7: queue the "migration completed" message (new addresses, connections, HTTP triggers) to the maker."""
    maker = _maker(job)
    if maker is None:
        job.log("notify", "The requester has no e-mail address in the inventory: no message sent.")
        return {}
    template = _template()
    apps, flows = items_of(job)
    campaign = Campaign.objects.create(
        name=f"Migration #{job.request_id} completed", template=template, source_kind=SourceKind.SELECTION,
        selection={"app": [app.pk for app in apps], "flow": [flow.pk for flow in flows]},
        status=CampaignStatus.FINISHED, launched=timezone.now(), created_by=job.request.requested_by)
    recipient = Recipient.objects.create(campaign=campaign, maker=maker, email=maker.email)
    campaign_context = {"name": campaign.name, "answer_by": ""}
    subject, text, html = render_message(template, message_context(campaign_context, maker, _items_context(job),
                                                                   recipient.code))
    delivery = Delivery.objects.create(campaign=campaign, recipient=recipient, to=maker.email, subject=subject,
                                       body_text=text, body_html=html)
    enqueue_deliveries([delivery.pk])
    job.log("notify", f"Message to {maker.email} queued: {subject}")
    return {"delivery_id": delivery.pk}


def cleanup(job, client):
    """Step 8: quarantine / stop the source (deleted after the grace period, with its own verified backup)
    through the clean-up cases, or keep it. Never without the copy verified in the target."""
    request = job.request
    if request.source_action == SourceAction.KEEP:
        job.log("cleanup", "The original is kept, as requested.")
        return {}
    if not job.verified_at:
        raise StepFailed("The copy in the target is not verified: the source is left untouched.")
    apps, flows = items_of(job)
    reason = f"Migrated to {request.target} (request #{request.pk})"
    cases = start_cleanup([*apps, *flows], request.requested_by, CleanupMode.QUARANTINE, reason)
    job.log("cleanup", f"{len(cases)} clean-up cases opened: quarantined / stopped now, deleted after the grace "
                       "period once backed up.")
    return {}
