from celery import shared_task
from django.conf import settings

from .services.plans import copy_run

__all__ = ["export_legacy_package", "recover_stalled_jobs", "run_migration_job", "start_due_waves",
           "start_migration_job", "track_copy"]


@shared_task(acks_late=True, ignore_result=True)
def track_copy(plan_id):
    """Advance copy plan `plan_id` one step; poll again later until the operation ends."""
    if copy_run.step(plan_id) != copy_run.DONE:
        track_copy.apply_async((plan_id,), countdown=settings.ENVOPS_POLL_SECONDS)


# Legacy packages

@shared_task(acks_late=True, ignore_result=True)
def export_legacy_package(package_id):
    """Export legacy package `package_id` (a no-op when another worker has claimed it)."""
    from .services.packages import run_package_export

    run_package_export(package_id)

# A wave's first steps queue behind all other work (Redis runs priority 0 first, 9 last), so a
# job that goes on (a person picked its connections, a retry, a poll, a wait for quota) and the
# other apps' tasks never wait behind the starts of a thousand-job wave.
START_PRIORITY = 9


def start_migration_job(job_id):
    """Queue a new job's first step, behind the jobs that are under way."""
    run_migration_job.apply_async((job_id,), priority=START_PRIORITY)


@shared_task(acks_late=True, ignore_result=True)
def run_migration_job(job_id):
    """Run migration job `job_id` until it finishes, waits for input or fails; come back when it must wait."""
    from .services.pipeline import runner

    outcome = runner.run(job_id)
    if outcome in (runner.LATER, runner.POLL):
        wait = settings.MIGRATION_RETRY_SECONDS if outcome == runner.LATER else settings.MIGRATION_POLL_SECONDS
        run_migration_job.apply_async((job_id,), countdown=wait)


@shared_task(ignore_result=True)
def start_due_waves():
    """Beat: start the waves whose scheduled start has come."""
    from .services import requests

    requests.start_due_waves()


@shared_task(ignore_result=True)
def recover_stalled_jobs():
    """Beat: take over the steps of workers that died."""
    from .services.pipeline import runner

    runner.recover_stalled()
