from celery import shared_task

from .services import health, readiness

__all__ = ["heartbeat", "run_health_check"]


@shared_task(ignore_result=True)
def heartbeat():
    """Beat sends it every WORKER_HEARTBEAT_SECONDS: the readiness check sees that a worker takes work."""
    readiness.beat()


@shared_task(acks_late=True)
def run_health_check(job_id):
    """Run the portal's self-check as JobRun `job_id`."""
    health.run(job_id)
