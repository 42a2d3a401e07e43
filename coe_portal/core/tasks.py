from celery import shared_task

from .services import health

__all__ = ["run_health_check"]


@shared_task(acks_late=True)
def run_health_check(job_id):
    """Run the portal's self-check as JobRun `job_id`."""
    health.run(job_id)
