"""Track a started copy: start the tenant operation once, then poll it until it ends.

Each call is one step and reschedules itself, so a long copy does not hold a worker and a
restarted worker carries on from the stored operation URL.
"""

import logging

from django.conf import settings
from django.db import transaction

from coe_portal.core import audit
from coe_portal.core.choices import JobStatus
from coe_portal.powerplatform.client import PowerPlatformClient
from coe_portal.powerplatform.errors import ApiError, PowerPlatformError

from ...choices import CopyLevel, PlanStatus
from ...models import CopyEnvironmentPlan, Plan
from .actions import refresh_status

__all__ = ["AGAIN", "DONE", "step"]

logger = logging.getLogger(__name__)
DONE, AGAIN = "done", "again"
# The operation record may not exist on the first polls (Terraform tolerates the same).
MISSING_POLLS = 5


def step(plan_id, client=None):
    """Advance the copy of plan `plan_id` by one call; return DONE or AGAIN."""
    plan = CopyEnvironmentPlan.objects.select_related("job", "source", "target").get(pk=plan_id)
    job = plan.job
    if job is None or job.is_finished:
        return DONE
    if job.status == JobStatus.PENDING and not job.claim():
        return AGAIN
    client = client or PowerPlatformClient.shared()
    try:
        if not plan.operation_url:
            return _start(plan, job, client)
        return _poll(plan, job, client)
    except PowerPlatformError as exc:
        _fail(plan, job, f"The tenant refused or failed the copy: {exc}")
        return DONE


def _start(plan, job, client):
    # Claim the start, so a redelivered task never asks the tenant for a second copy.
    if not CopyEnvironmentPlan.objects.filter(pk=plan.pk, operation_status="").update(operation_status="Starting"):
        job.advance("Waiting for the copy to be accepted.")
        return AGAIN
    url = client.copy_environment(plan.source.env_id, plan.target.env_id, plan.target.display_name,
                                  full_copy=plan.level == CopyLevel.EVERYTHING,
                                  skip_audit_data=not plan.copy_audit_data, security_group_id=plan.security_group_id)
    CopyEnvironmentPlan.objects.filter(pk=plan.pk).update(operation_url=url, operation_status="Accepted")
    job.advance(f"The tenant accepted the copy of {plan.source} over {plan.target}.", done=1)
    return AGAIN


def _poll(plan, job, client):
    polls = len(job.log)
    if polls > settings.ENVOPS_POLL_LIMIT:
        _fail(plan, job, f"The copy did not finish after {settings.ENVOPS_POLL_LIMIT} polls.")
        return DONE
    try:
        status, message = client.operation_status(plan.operation_url)
    except ApiError as exc:
        if exc.status == 404 and polls <= MISSING_POLLS:
            job.advance("The copy operation is not listed yet.")
            return AGAIN
        raise
    CopyEnvironmentPlan.objects.filter(pk=plan.pk).update(operation_status=status)
    if status == "Succeeded":
        _succeed(plan, job)
        return DONE
    if status in ("Failed", "Canceled", "Cancelled"):
        _fail(plan, job, f"The copy {status.lower()}: {message or 'no reason given'}")
        return DONE
    job.advance(f"The copy is {status.lower()}.", done=2)
    return AGAIN


def _succeed(plan, job):
    with transaction.atomic():
        job.advance(f"The copy finished: {plan.target} is in administration mode with background operations "
                    "disabled. Work through the checklist.", done=3)
        job.finish({"plan": plan.pk, "target": plan.target.env_id})
        audit.record(None, "envops.copy.succeeded", obj=plan, target=plan.target.env_id)
        refresh_status(Plan.objects.get(pk=plan.pk))


def _fail(plan, job, reason):
    logger.warning("copy plan %s failed: %s", plan.pk, reason)
    with transaction.atomic():
        job.fail(reason)
        Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.FAILED)
        audit.record(None, "envops.copy.failed", obj=plan, error=reason)
