"""Run an inventory sync as many small, idempotent tasks recorded in SyncTask rows.

A task is one page of a listing or one batch of flow details. Its writes and the record
that it is done commit together, so a worker killed at any moment loses nothing: the
pending rows say exactly what is left, and `resume` sends them again.
"""

import logging
import threading
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from coe_portal.powerplatform.client import PowerPlatformClient
from coe_portal.powerplatform.errors import PowerPlatformError

from ..choices import SyncKind, SyncStatus
from ..models import SyncRun, SyncTask
from . import sync_kinds, sync_pump, sync_steps, triage

__all__ = ["drive", "resume", "resume_stalled", "run_task", "schedule", "schedule_many", "start_sync"]

logger = logging.getLogger(__name__)

STALL_AFTER = timedelta(minutes=5)


class _Chained(threading.local):
    """Tasks this thread runs next in a chain: recorded, but not sent (a copy in the queue would cost a worker a
    no-op later; at 300,000 items, thousands of them)."""

    def __init__(self):
        self.ids = set()


_chained = _Chained()


def start_sync(kind=SyncKind.FULL, user=None):
    """Start a sync unless one of its family is running; return the run that is going."""
    with transaction.atomic():
        running = (SyncRun.objects.select_for_update()
                   .filter(status=SyncStatus.RUNNING, kind__in=sync_kinds.family_kinds(kind)).first())
        if running:
            return running
        run = SyncRun.objects.create(kind=kind, triggered_by=user)
        name, args, key = sync_kinds.kind_of(kind).first
        schedule(run, name, args, key=key)
    return run


def schedule(run, name, args, key):
    """Record a task and send it once the caller's transaction commits; return it (or the one recorded before)."""
    task, created = SyncTask.objects.get_or_create(run=run, key=key, defaults={"name": name, "args": args})
    if created:
        _recorded(run, [task])
    return task


def schedule_many(run, specs):
    """Record many (name, args, key) tasks in one insert, skipping keys already recorded; send on commit.

    The environments step starts every listing of every environment: thousands of tasks, which
    one by one cost seconds while nothing else could start.
    """
    known = set(SyncTask.objects.filter(run=run, key__in=[key for _, _, key in specs]).values_list("key", flat=True))
    _recorded(run, SyncTask.objects.bulk_create([SyncTask(run=run, name=name, args=args, key=key)
                                                 for name, args, key in specs if key not in known]))


def _recorded(run, tasks):
    """Count newly recorded tasks; once committed, send them (detail batches: wake the run's pumps)."""
    if not tasks:
        return
    SyncRun.objects.filter(pk=run.pk).update(tasks_total=F("tasks_total") + len(tasks))
    ids = [task.pk for task in tasks if task.name != sync_pump.DETAILS]
    transaction.on_commit(lambda: [_send(task_id) for task_id in ids if task_id not in _chained.ids])
    if len(ids) < len(tasks):  # run by the run's detail pumps, not sent one by one
        transaction.on_commit(lambda: sync_pump.ensure(run.pk))


def _send(task_id):
    from ..tasks import run_sync_task

    run_sync_task.delay(task_id)


def run_task(task_id, client=None):
    """Do one task, then the listing pages that follow it, each in its own transaction.

    A page's next page is recorded with the page (so a crash loses nothing) and run here at
    once, not sent: a listing is a chain, and its next page waiting in the queue behind
    thousands of detail batches would hold back every detail it leads to. A next page that
    fails here is sent, to be retried like any task; one whose worker died is sent again by
    `resume_stalled`.
    """
    client = client or PowerPlatformClient.shared()
    queued = True  # the first came from the queue; those it leads to were kept out of it
    while task_id is not None:
        try:
            follow = _run_one(task_id, client)
        except Exception:
            if not queued:
                _send(task_id)
            raise
        task_id, queued = follow, False


def _run_one(task_id, client):
    """Run one task; return the id of the listing page it scheduled next, if any."""
    client.stats.take()  # count only this task's calls
    run_id = follow = None
    try:
        with transaction.atomic():
            task = (SyncTask.objects.select_for_update(skip_locked=True, of=("self",)).select_related("run")
                    .filter(pk=task_id, done=False).first())
            if task is None:  # done already, or another worker holds it
                return None
            run_id, task.started = task.run_id, timezone.now()
            follow = sync_kinds.STEPS[task.name](task, client)
            if isinstance(follow, SyncTask):
                _chained.ids.add(follow.pk)
            _mark_done(task, client)
    except PowerPlatformError as exc:
        logger.warning("sync task %s failed: %s", task_id, exc)
        _record_failure(task_id, exc, client)
        follow = None
    finally:
        _chained.ids.clear()
    if run_id:
        finish_if_done(run_id)
    return follow.pk if isinstance(follow, SyncTask) else None


def _mark_done(task, client, error=""):
    SyncTask.objects.filter(pk=task.pk).update(done=True, error=error, attempts=F("attempts") + 1,
                                               started=task.started, finished=timezone.now())
    stats = client.stats.take()
    SyncRun.objects.filter(pk=task.run_id).update(
        tasks_done=F("tasks_done") + 1, requests=F("requests") + stats["requests"],
        throttled=F("throttled") + stats["throttled"], retries=F("retries") + stats["retries"])


def _record_failure(task_id, exc, client):
    """A step the API would not serve is done with its error: the run goes on and reports it."""
    with transaction.atomic():
        task = SyncTask.objects.select_for_update().select_related("run").get(pk=task_id)
        if task.done:
            return
        _mark_done(task, client, error=str(exc))
        task.run.add_error(task=task.key, error=str(exc)[:500], url=getattr(exc, "url", ""))


def finish_if_done(run_id, trust_counters=True):
    """When no task is pending: schedule the kind's last steps one by one (makers through Graph), then close."""
    # The counters move with the tasks' own transactions: while they differ, some task is
    # pending, and every task's end need not queue for the run's row lock to learn it.
    if trust_counters and SyncRun.objects.filter(pk=run_id, tasks_done__lt=F("tasks_total")).exists():
        return
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().get(pk=run_id)
        if run.status != SyncStatus.RUNNING or run.tasks.filter(done=False).exists():
            return
        kind = sync_kinds.kind_of(run.kind)
        done = set(run.tasks.filter(name__in=kind.last).values_list("name", flat=True))
        for name in kind.last:
            if name not in done:
                schedule(run, name, {}, key=name)
                return
        run.counts = kind.counts(run)
        run.finished = timezone.now()
        run.status = SyncStatus.COMPLETED_WITH_ERRORS if run.errors else SyncStatus.COMPLETED
        run.save(update_fields=["counts", "finished", "status"])
        kind.finished(run.pk)


def resume(run):
    """Send every pending task of `run` again (duplicates are harmless)."""
    pending = list(run.tasks.filter(done=False).values_list("pk", "name"))
    for task_id, name in pending:
        if name != sync_pump.DETAILS:
            _send(task_id)
    if any(name == sync_pump.DETAILS for _, name in pending):
        sync_pump.ensure(run.pk, restart=True)
    if not pending:
        finish_if_done(run.pk, trust_counters=False)
    return len(pending)


for _kind in (SyncKind.FULL, SyncKind.INCREMENTAL):
    sync_kinds.register(_kind, sync_kinds.RunKind(
        family="inventory", first=("environments", {"url": None, "page": 1}, "environments:1"), steps=sync_steps.STEPS,
        last=("makers",), counts=sync_steps.counts, finished=triage.sync_finished))


def resume_stalled():
    """Resume runs whose tasks stopped moving (a worker died with them)."""
    cutoff = timezone.now() - STALL_AFTER
    resumed = 0
    for run in SyncRun.objects.filter(status=SyncStatus.RUNNING):
        latest = run.tasks.aggregate(at=Max(Coalesce("finished", "created")))["at"]
        if latest is None or latest < cutoff:
            resumed += resume(run)
    return resumed


class StillRunning(Exception):
    """A run went past the time a caller gave it."""


def drive(run, inline, timeout, progress=None):
    """Wait for `run` to finish (doing its tasks in this process when `inline`); return it finished.

    `progress(run)` is called after each round; StillRunning after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while run.status == SyncStatus.RUNNING:
        if time.monotonic() > deadline:
            raise StillRunning(f"{run} still running after {timeout} s")
        if inline:
            for task_id in run.tasks.filter(done=False).values_list("pk", flat=True):
                run_task(task_id)
        else:
            time.sleep(1)
        run.refresh_from_db()
        if progress:
            progress(run)
    return run
