from celery import shared_task

from .services import impact, policies

__all__ = ["compute_impact", "sync_policies_job"]


@shared_task(acks_late=True)
def compute_impact(run_id):
    """Compute ImpactRun `run_id`, once: a worker that lost the claim does nothing."""
    impact.run(run_id)


@shared_task(acks_late=True)
def sync_policies_job(job_id):
    """Read the live DLP policies as JobRun `job_id`."""
    policies.run_policy_sync(job_id)
