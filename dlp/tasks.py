from celery import shared_task

from .services import impact

__all__ = ["compute_impact"]


@shared_task(acks_late=True)
def compute_impact(run_id):
    """Compute ImpactRun `run_id`, once: a worker that lost the claim does nothing."""
    impact.run(run_id)
