from celery import shared_task

from .services import sync

__all__ = ["resume_stalled_syncs", "run_sync_task", "start_scheduled_sync"]


@shared_task(acks_late=True)
def run_sync_task(task_id):
    """Run one recorded sync task (a page, a batch of details)."""
    sync.run_task(task_id)


@shared_task
def start_scheduled_sync(kind):
    sync.start_sync(kind)


@shared_task
def resume_stalled_syncs():
    """Beat calls this every minute: a run whose worker died goes on from its pending tasks."""
    return sync.resume_stalled()


# Triage


@shared_task
def refresh_triage(run_id=None):
    """After a sync (run_id) or a settings change: recommendations and tag rules again."""
    from .services import triage

    return triage.refresh()
