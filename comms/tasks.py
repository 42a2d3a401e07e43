"""Celery shells: tasks take ids and call services."""

from celery import shared_task

from .services import campaigns, cleanup_notices, sending

__all__ = ["dispatch_due", "launch_campaign", "notify_cleanup_owners", "remind_cleanup_owner", "send_deliveries"]

RETRY_LATER = 60  # seconds before a chunk's temporary failures or over-budget sends run again


@shared_task
def launch_campaign(campaign_id):
    campaigns.do_launch_campaign(campaign_id)


@shared_task
def send_deliveries(ids):
    _sent, later = sending.send_deliveries(ids)
    if later:
        send_deliveries.apply_async((later,), countdown=RETRY_LATER)


@shared_task
def dispatch_due():
    """Every minute (beat): launch scheduled campaigns that are due, queue due reminders."""
    from .choices import CampaignStatus
    from .models import Campaign

    for campaign_id in Campaign.objects.filter(status=CampaignStatus.SCHEDULED).values_list("pk", flat=True):
        campaigns.do_launch_campaign(campaign_id)
    campaigns.queue_reminders()


@shared_task
def notify_cleanup_owners(job_id):
    cleanup_notices.queue_cleanup_notices(job_id)


@shared_task
def remind_cleanup_owner(case_id):
    cleanup_notices.queue_cleanup_reminder(case_id)
