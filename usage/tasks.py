from celery import shared_task

from inventory.services import sync

__all__ = ["start_usage_sync"]


@shared_task
def start_usage_sync(kind):
    """Beat: "usage_audit" hourly, "usage_runs" daily (a run of the same kind still going is left alone)."""
    sync.start_sync(kind)
