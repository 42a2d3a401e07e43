"""Clean-up of many items as one JobRun: bulk quarantine/stop, delete-only batches, due backups and deletions.

A job is a row first (JobRun, with the items or the list's filter in `result`); `open_job` opens a
CleanupCase per item in bulk and queues the cases in chunks of CHUNK per Celery task. Each case
step claims its case with a conditional UPDATE (services/cleanup.py), so a chunk run twice acts
once. The job's progress counts its cases that are no longer in a working stage.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from coe_portal.core.choices import JobStatus
from coe_portal.core.filtering import strict_queryset
from coe_portal.core.models import AuditEntry, JobRun
from coe_portal.powerplatform.client import PowerPlatformClient

from ..choices import CleanupMode, CleanupStage
from ..models import App, CleanupCase, Flow
from . import cleanup, usage_guard

__all__ = ["CHUNK", "check_query", "create_job", "enqueue_cases", "open_job", "queue_job", "refresh_job", "retry_job",
           "run_chunk", "selected", "start_item_job"]

CHUNK = 100
ITEM_KIND = "cleanup.item"
MODELS = {"app": App, "flow": Flow}
# Stages in which a case still waits for (or is in) a step the job queued.
WORKING = (CleanupStage.PENDING, CleanupStage.DELETING, CleanupStage.EXPIRED, CleanupStage.BACKING_UP,
           CleanupStage.BACKED_UP, CleanupStage.RELEASING)
OPEN = [s for s in CleanupStage.values if s not in (CleanupStage.RELEASED, CleanupStage.DELETED)]


def create_job(kind, user, mode, reason="", items=None, query=None, override=False, grace_days=None):
    """Record a bulk clean-up job; `items` is {"app": [pk], "flow": [pk]}, or `query` = (kind, filter string).

    `override`: the admin chose to clean up items in use too (usage_guard); without it the job leaves them out.
    `grace_days`: the owners' time to answer (None: the triage settings' grace period).
    """
    if mode == CleanupMode.DELETE_ONLY and not reason.strip():
        raise ValueError("Delete only needs a reason.")
    spec = {"mode": mode, "reason": reason, "items": items or {}, "query": query, "override": override,
            "grace_days": grace_days}
    return JobRun.objects.create(kind=kind, created_by=user, result=spec)


def start_item_job(item, user, mode=CleanupMode.QUARANTINE, reason="", grace_days=None):
    """Open a clean-up case for one app or flow as a job of its own, so its page shows the step's progress.

    `grace_days`: the owner's time to answer once the item is held (None: the triage settings' grace period).
    Returns the job, or None when the item already has an open case.
    """
    kind = item._meta.model_name
    if mode == CleanupMode.DELETE_ONLY and not reason.strip():
        raise ValueError("Delete only needs a reason.")
    if CleanupCase.objects.filter(stage__in=OPEN, **{kind: item}).exists():
        return None
    job = JobRun.objects.create(kind=ITEM_KIND, created_by=user, status=JobStatus.RUNNING, started=timezone.now(),
                                progress_total=1, result={"mode": mode, "reason": reason, "items": {kind: [item.pk]},
                                                         "grace_days": grace_days})
    cases = _open_cases(job, kind, MODELS[kind].objects.filter(pk=item.pk), job.result)
    enqueue_cases(job, [case.pk for case in cases])
    return job


def check_query(kind, query):
    """Raise InvalidFilter (a ValueError naming the bad fields) when the list filter `query` is not valid."""
    selected({"query": (kind, query)})


def queue_job(job):
    """Open the job's cases in a worker once the current transaction commits."""
    from ..tasks import cleanup_open_job

    transaction.on_commit(lambda: cleanup_open_job.delay(job.pk))


def selected(spec):
    """{kind: queryset of the items to clean up} from the job's stored ids or list filter."""
    from ..filtersets import AppFilterSet, FlowFilterSet

    if spec.get("query"):
        kind, query = spec["query"]
        filterset_class = AppFilterSet if kind == "app" else FlowFilterSet
        # Raises InvalidFilter (a ValueError): an ignored filter value would widen the selection.
        live = MODELS[kind].objects.filter(deleted_at__isnull=True)
        return {kind: strict_queryset(filterset_class, query, live)}
    return {kind: MODELS[kind].objects.filter(pk__in=pks, deleted_at__isnull=True)
            for kind, pks in spec.get("items", {}).items() if pks}


def open_job(job_id):
    """Claim a pending job, open one case per item (none for an item already in clean-up), queue the chunks."""
    job = JobRun.objects.get(pk=job_id)
    if not job.claim():
        return None
    spec = job.result
    try:
        chosen = selected(spec)
    except ValueError as exc:
        job.fail(f"Nothing was done: {exc}")
        return job
    with transaction.atomic():
        opened, left_out = [], 0
        for kind, items in chosen.items():
            busy = CleanupCase.objects.filter(stage__in=OPEN, **{f"{kind}__isnull": False}).values(kind)
            fresh = items.exclude(pk__in=busy)
            if not spec.get("override"):
                fresh, used = usage_guard.leave_out_used(fresh)
                left_out += used
            opened += _open_cases(job, kind, fresh.order_by("pk"), spec)
        note = f" Left out {left_out} in use within the inactive period (no override)." if left_out else ""
        job.advance(f"Opened {len(opened)} clean-up cases.{note}", done=0, total=len(opened))
        enqueue_cases(job, [case.pk for case in opened])
    if not opened:
        refresh_job(job.pk)
    return job


def _open_cases(job, kind, items, spec):
    cases = CleanupCase.objects.bulk_create(
        [CleanupCase(**{kind: item}, mode=spec["mode"], reason=spec["reason"], grace_days=spec.get("grace_days"),
                     created_by=job.created_by, job=job)
         for item in items.only("pk", "display_name")])
    content_type = ContentType.objects.get_for_model(MODELS[kind])
    actor = job.created_by
    AuditEntry.objects.bulk_create([AuditEntry(
        actor=actor, actor_name=actor.get_username() if actor else "system", action="cleanup.start",
        object_type=content_type, object_id=str(case.item.pk), object_repr=str(case.item)[:200],
        details={"case": case.pk, "mode": spec["mode"], "reason": spec["reason"], "job": str(job.code),
                 "grace_days": spec.get("grace_days")})
        for case in cases], batch_size=1000)
    return cases


def enqueue_cases(job, case_ids):
    """Queue `case_ids` in tasks of CHUNK cases each, after commit."""
    from ..tasks import cleanup_chunk

    for start in range(0, len(case_ids), CHUNK):
        chunk = case_ids[start:start + CHUNK]
        transaction.on_commit(lambda chunk=chunk: cleanup_chunk.delay(job.pk, chunk))


def run_chunk(job_id, case_ids, client=None):
    """Take each case of the chunk one step further (start, finish or release, by its stage)."""
    client = client or PowerPlatformClient.shared()
    stages = dict(CleanupCase.objects.filter(pk__in=case_ids).values_list("pk", "stage"))
    for case_id in case_ids:
        stage = stages.get(case_id)
        if stage == CleanupStage.PENDING:
            cleanup.start_case(case_id, client)
        elif stage in (CleanupStage.EXPIRED, CleanupStage.BACKED_UP):
            cleanup.finish_case(case_id, client)
        elif stage == CleanupStage.RELEASING:
            cleanup.release_case(case_id, client)
    return refresh_job(job_id)


def refresh_job(job_id):
    """Count the job's cases done; mark the job completed when none is still working."""
    cases = CleanupCase.objects.filter(job_id=job_id)
    counts = dict.fromkeys(("total", "working", "failed", "deleted", "waiting"), 0)
    for stage, in cases.values_list("stage"):
        counts["total"] += 1
        counts["working"] += stage in WORKING
        counts["failed"] += stage == CleanupStage.FAILED
        counts["deleted"] += stage == CleanupStage.DELETED
        counts["waiting"] += stage == CleanupStage.WAITING
    done = counts["total"] - counts["working"]
    update = {"progress_done": done, "progress_total": counts["total"]}
    if not counts["working"]:
        job = JobRun.objects.get(pk=job_id)
        result = {**job.result, **{key: counts[key] for key in ("failed", "deleted", "waiting")},
                  "cases": counts["total"]}
        update.update(status=JobStatus.COMPLETED, finished=timezone.now(), result=result)
        JobRun.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**update)
    else:
        JobRun.objects.filter(pk=job_id).update(**update)
    return counts


@transaction.atomic
def retry_job(job):
    """Put the job's failed cases, and those whose worker died (claim past the lease), back at their step and
    queue them; the number retried."""
    from .cleanup_recovery import recover_stale

    stale = recover_stale(cases=CleanupCase.objects.filter(job=job))
    failed = list(CleanupCase.objects.filter(job=job, stage=CleanupStage.FAILED).select_for_update())
    for case in failed:
        back = case.error.split("|", 1)[0] if case.error else CleanupStage.PENDING
        CleanupCase.objects.filter(pk=case.pk, stage=CleanupStage.FAILED).update(stage=back)
    if failed:
        JobRun.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, finished=None)
        enqueue_cases(job, [case.pk for case in failed])
    return len(failed) + len(stale)
