from celery import shared_task

from .freshness import take_if_changed
from .snapshots import take_snapshot

__all__ = ["snapshot_if_changed", "take_daily_snapshot"]


@shared_task(acks_late=True, ignore_result=True)
def take_daily_snapshot():
    """Refresh today's dashboard snapshot (idempotent: one row per day and department)."""
    take_snapshot()


@shared_task(ignore_result=True)
def snapshot_if_changed():
    """Retake today's snapshot when a change marked the figures stale since the last check (beat, every minute)."""
    take_if_changed(take_snapshot)
