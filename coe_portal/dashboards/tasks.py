from celery import shared_task

from .snapshots import take_snapshot

__all__ = ["take_daily_snapshot"]


@shared_task(acks_late=True, ignore_result=True)
def take_daily_snapshot():
    """Refresh today's dashboard snapshot (idempotent: one row per day and department)."""
    take_snapshot()
