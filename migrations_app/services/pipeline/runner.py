"""Run a migration job step by step: claim the step, run it, record it done before the next.

A step that fails for an expected reason (the tenant refused, an import failed, a check did
not pass) is recorded failed and waits for a retry of that step alone. A crash (the worker
died) leaves the step claimed; once its lease runs out the next run takes it over and runs it
again, which every step tolerates.
"""

import logging

from django.db import transaction

from coe_portal.core import audit
from coe_portal.powerplatform.client import PowerPlatformClient

from ...choices import JobState, RequestState, Step, WaveState
from ...models import MigrationJob, MigrationRequest, Wave
from .. import notices
from . import steps_after, steps_source, steps_target
from .common import FAILURES, LATER, POLL, Wait

__all__ = ["DONE", "FAILED", "LATER", "POLL", "STEP_FUNCTIONS", "WAITING", "recover_stalled", "run"]

logger = logging.getLogger(__name__)
DONE, FAILED, WAITING = "done", "failed", "waiting"
STEP_FUNCTIONS = {
    Step.PRECHECK: steps_source.precheck, Step.PACKAGE: steps_source.package, Step.EXPORT: steps_source.export,
    Step.CONNECTIONS: steps_target.connections, Step.IMPORT: steps_target.import_,
    Step.ACTIVATE: steps_target.activate, Step.NOTIFY: steps_after.notify, Step.CLEANUP: steps_after.cleanup,
}
# Steps that only write rows: run in one transaction with their completion, so never twice.
LOCAL_STEPS = (Step.NOTIFY, Step.CLEANUP)


def _load(job_id):
    return MigrationJob.objects.select_related("request__target", "request__requested_by").get(pk=job_id)


def run(job_id, client=None):
    """Run the job's steps until it is done, waits for input, fails or must wait; return which (or None)."""
    try:
        job = _load(job_id)
    except MigrationJob.DoesNotExist:
        return None  # its request was deleted after the task was queued
    if not job.claim():
        return None
    outcome = None
    for _ in range(len(STEP_FUNCTIONS)):  # each step done claims the next one (complete_step)
        outcome = run_step(job, client or PowerPlatformClient.shared())
        if outcome != DONE or job.is_finished:
            return outcome
    return outcome


def run_step(job, client):
    """Run the claimed current step once and record its outcome."""
    step = job.step
    job.defer_logs = True  # the step's lines are written with its outcome
    try:
        if step in LOCAL_STEPS:
            with transaction.atomic():
                return _record(job, step, STEP_FUNCTIONS[step](job, client))
        return _record(job, step, STEP_FUNCTIONS[step](job, client))
    except FAILURES as exc:
        logger.warning("migration job %s failed at %s: %s", job.pk, step, exc)
        job.log(step, f"Failed: {exc}")
        job.fail_step(step, exc)
        audit.record(None, "migration.job.failed", obj=job.request, step=step, error=str(exc)[:300])
        return FAILED


def _record(job, step, result):
    if result in (LATER, POLL):
        job.requeue(step)
        return result
    if isinstance(result, Wait):
        with transaction.atomic():
            if job.wait_for_input(step, **result.outputs) and not job.steps[step].get("maker_told"):
                notices.notify_needs_input(job)
                job.note(step, maker_told=True)  # once per job: "Check again" comes back here
        return WAITING
    if not job.complete_step(step, claim_next=True, **result):
        return None  # our lease ran out and another worker took the job over: it goes on from there
    if job.state == JobState.DONE:
        audit.record(None, "migration.job.done", obj=job.request, target=job.request.target.env_id)
        _close_wave(job.request.wave_id)
    return DONE


def _close_wave(wave_id):
    """A running wave whose requests have all finished is done.

    Two of its jobs finishing at once would each see the other still running and neither would close
    the wave: each takes the wave's row lock first, so the second looks once the first has committed.
    """
    if wave_id is None:
        return
    open_states = (RequestState.SCHEDULED, RequestState.RUNNING, RequestState.NEEDS_INPUT, RequestState.FAILED)
    with transaction.atomic(savepoint=False):
        if not Wave.objects.select_for_update().filter(pk=wave_id, state=WaveState.RUNNING).exists():
            return
        if not MigrationRequest.objects.filter(wave_id=wave_id, state__in=open_states).exists():
            Wave.objects.filter(pk=wave_id).update(state=WaveState.DONE)


def recover_stalled():
    """Beat: queue again the jobs whose worker died mid-step (lease expired); return their ids."""
    from django.utils import timezone

    from ...tasks import run_migration_job

    stalled = list(MigrationJob.objects.filter(state=JobState.RUNNING, lease_until__lt=timezone.now())
                   .values_list("pk", flat=True))
    for job_id in stalled:
        run_migration_job.delay(job_id)
    return stalled
