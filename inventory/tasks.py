from celery import shared_task
from django.db import OperationalError

from .services import sync

__all__ = ["pump_sync_details", "resume_stalled_syncs", "run_sync_task", "start_scheduled_sync"]


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=1, max_retries=8)
def run_sync_task(task_id):
    """Run one recorded sync task (a page, a batch of details).

    A deadlock or lost connection rolls the task's transaction back; it is simply sent again.
    """
    sync.run_task(task_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=1, max_retries=8)
def pump_sync_details(run_id, slot):
    """Run a sync's flow-detail batches until none is left (services/sync_pump.py)."""
    from .services import sync_pump

    sync_pump.pump(run_id, slot)


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
    """After a sync (run_id) or a settings change: recommendations and tag rules again.

    After a sync, today's dashboard figures are retaken too, from the refreshed tags.
    """
    from .services import triage

    result = triage.refresh()
    if run_id is not None:
        from coe_portal.dashboards.tasks import take_daily_snapshot

        take_daily_snapshot.delay()
    return result


@shared_task(acks_late=True)
def cleanup_start(case_id):
    """Quarantine the app / stop the flow of one clean-up case (or delete it, for delete only)."""
    from .services import cleanup

    cleanup.start_case(case_id)


@shared_task(acks_late=True)
def cleanup_release(case_id):
    from .services import cleanup

    cleanup.release_case(case_id)


@shared_task(acks_late=True)
def cleanup_finish(case_id):
    """Back up, verify and delete one item whose grace period ended."""
    from .services import cleanup

    cleanup.finish_case(case_id)


@shared_task(acks_late=True)
def cleanup_open_job(job_id):
    """Open the cases of a bulk clean-up job and queue them in chunks."""
    from .services import cleanup_jobs

    cleanup_jobs.open_job(job_id)


@shared_task(acks_late=True)
def cleanup_chunk(job_id, case_ids):
    """Take a chunk of a job's cases (100 or so) one step further, then count the job's progress."""
    from .services import cleanup_jobs

    cleanup_jobs.run_chunk(job_id, case_ids)


@shared_task
def cleanup_recover():
    """Beat, every few minutes: queue again the cases whose worker died holding them (claim past the lease)."""
    from .services import cleanup_recovery

    return len(cleanup_recovery.recover_stale())


@shared_task
def cleanup_tick():
    """Beat, hourly: reminders and ended grace periods."""
    from .services import cleanup

    return cleanup.advance_due()
