"""Recovery of clean-up cases whose worker died while holding them.

A step claims its case by moving it into a working stage (services/cleanup.py `_claim`) and stamps
`claimed_at`. A worker killed mid-step leaves the case there: "Backing up", "Deleting", "Releasing",
or "Waiting" without a grace period (killed between the claim and the quarantine call). Once the
claim is older than CLEANUP_LEASE_SECONDS, `recover_stale` puts the case back at the step to redo and
queues it. Every step is idempotent: the quarantine and stop calls are, a backup already verified is
not taken again, and deleting an item the tenant no longer has counts as deleted. A worker that was
only slow loses its claim: its late writes are conditional on the claim (cleanup.py `_still_held`).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coe_portal.core.choices import JobStatus
from coe_portal.core.models import JobRun

from ..choices import CleanupMode, CleanupStage
from ..models import CleanupCase
from .cleanup import _enqueue, _event

__all__ = ["STALE", "abandoned", "lease", "recover_stale", "resume_stage"]

STALE = Q(stage__in=[CleanupStage.BACKING_UP, CleanupStage.DELETING, CleanupStage.RELEASING]) | Q(
    stage=CleanupStage.WAITING, grace_until__isnull=True)


def lease():
    """How long a claimed step may run before its case is taken to be abandoned."""
    return timedelta(seconds=settings.CLEANUP_LEASE_SECONDS)


def abandoned(cases, now=None):
    """The cases of `cases` held in a working stage past the lease."""
    return cases.filter(STALE, claimed_at__lt=(now or timezone.now()) - lease())


def resume_stage(case):
    """The stage a case abandoned in its working stage goes back to, so that its step runs again."""
    if case.stage == CleanupStage.BACKING_UP:
        verified = case.backups.filter(verified_at__isnull=False).exists()
        return CleanupStage.BACKED_UP if verified else CleanupStage.EXPIRED
    if case.stage == CleanupStage.DELETING:
        return CleanupStage.PENDING if case.mode == CleanupMode.DELETE_ONLY else CleanupStage.BACKED_UP
    if case.stage == CleanupStage.WAITING:
        return CleanupStage.PENDING
    return case.stage  # releasing: the release is run again


def recover_stale(now=None, cases=None):
    """Put back every case whose claim is older than the lease and queue its step again; the cases recovered.

    `cases` narrows the search (a job's retry button passes the job's cases).
    """
    now = now or timezone.now()
    stale = abandoned(cases if cases is not None else CleanupCase.objects.all(), now)
    recovered = []
    for case in stale.select_related("app", "flow").order_by("pk"):
        back = resume_stage(case)
        with transaction.atomic():
            # Conditional on the claim seen: a worker that finishes meanwhile keeps its result.
            moved = CleanupCase.objects.filter(pk=case.pk, stage=case.stage, claimed_at=case.claimed_at).update(
                stage=back, claimed_at=now if back == CleanupStage.RELEASING else None, updated=now)
            if not moved:
                continue
            _event(case, "recovered", stuck_in=case.stage, claimed_at=case.claimed_at.isoformat(), resumes_at=back)
            case.stage = back
            _queue(case)
        recovered.append(case)
    return recovered


def _queue(case):
    """Queue the case's step: in its job's chunk task (so the job counts it), or alone."""
    from ..tasks import cleanup_finish, cleanup_release, cleanup_start
    from .cleanup_jobs import enqueue_cases

    if case.job_id:
        JobRun.objects.filter(pk=case.job_id).update(status=JobStatus.RUNNING, finished=None)
        enqueue_cases(JobRun(pk=case.job_id), [case.pk])
        return
    task = {CleanupStage.PENDING: cleanup_start, CleanupStage.RELEASING: cleanup_release}.get(case.stage,
                                                                                            cleanup_finish)
    _enqueue(task, case.pk)
