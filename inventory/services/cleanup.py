"""Quarantine and clean-up: quarantine apps / stop flows, wait for owners, back up, verify, delete.

Each step is a Celery task over one case id (inventory/tasks.py) that claims the case with a
conditional UPDATE on its stage. Nothing is deleted in the tenant without a verified backup,
unless the case is "delete only", which needs a reason.
"""

import hashlib
import io
import zipfile
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from coe_portal.core import audit
from coe_portal.core.choices import JobStatus
from coe_portal.core.models import JobRun
from coe_portal.powerplatform.client import PowerPlatformClient
from coe_portal.powerplatform.errors import PowerPlatformError

from ..choices import CleanupMode, CleanupStage, FlowState, QuarantineStatus
from ..models import Backup, CleanupCase, TriageSettings
from ..signals import cleanup_event

__all__ = ["advance_due", "do_release_item", "finish_case", "release_case", "retry_case", "start_case",
           "start_cleanup"]

REMIND_BEFORE = timedelta(days=7)
BACKUP_KEEP = timedelta(days=365)
FAILURES = (PowerPlatformError, OSError, ValueError, zipfile.BadZipFile)


def _claim(case_id, from_stages, to_stage):
    """Move the case from one of `from_stages` to `to_stage`; the case, or None if another step has it."""
    now = timezone.now()
    claimed = CleanupCase.objects.filter(pk=case_id, stage__in=from_stages).update(stage=to_stage, updated=now,
                                                                                   claimed_at=now)
    return CleanupCase.objects.select_related("app__environment", "flow__environment").get(pk=case_id) \
        if claimed else None


def _event(case, stage, **details):
    audit.record(None, f"cleanup.{stage}", obj=case.item, actor=case.created_by if stage != "released" else None,
                 case=case.pk, **details)
    cleanup_event.send(sender=CleanupCase, case=case, item=case.item, stage=stage)


def _enqueue(task, case_id):
    transaction.on_commit(lambda: task.delay(case_id))


def start_cleanup(items, user, mode=CleanupMode.QUARANTINE, reason=""):
    """Open a case per app/flow (none twice while one is open) and queue its first step; return the cases."""
    from ..tasks import cleanup_start

    if mode == CleanupMode.DELETE_ONLY and not reason.strip():
        raise ValueError("Delete only needs a reason.")
    open_stages = [s for s in CleanupStage.values if s not in (CleanupStage.RELEASED, CleanupStage.DELETED)]
    cases = []
    for item in items:
        kind = "app" if item._meta.model_name == "app" else "flow"
        if CleanupCase.objects.filter(**{kind: item}, stage__in=open_stages).exists():
            continue
        case = CleanupCase.objects.create(**{kind: item}, mode=mode, reason=reason, created_by=user)
        audit.record(None, "cleanup.start", obj=item, actor=user, case=case.pk, mode=mode, reason=reason)
        _enqueue(cleanup_start, case.pk)
        cases.append(case)
    return cases


def start_case(case_id, client=None):
    """Quarantine the app or stop the flow and start the grace period (or, delete only: delete)."""
    case = CleanupCase.objects.get(pk=case_id)
    if case.mode == CleanupMode.DELETE_ONLY:
        case = _claim(case_id, [CleanupStage.PENDING], CleanupStage.DELETING)
        return _delete(case, client or PowerPlatformClient.shared()) if case else None
    case = _claim(case_id, [CleanupStage.PENDING], CleanupStage.WAITING)
    if case is None:
        return None
    try:
        _hold(case, client or PowerPlatformClient.shared(), held=True)
    except FAILURES as exc:
        return _fail(case, CleanupStage.PENDING, exc)
    case.grace_until = timezone.now() + timedelta(days=case.grace_days or TriageSettings.load().grace_days)
    case.save(update_fields=["grace_until"])
    _event(case, "quarantined" if case.app_id else "stopped", grace_until=case.grace_until.isoformat())
    _release_if_answered(case)
    return case


def _hold(case, client, held):
    """Quarantine (held) or release the app, stop (held) or start the flow; record the state on the item."""
    item = case.item
    env_id = item.environment.env_id
    if case.app_id:
        client.set_app_quarantine(env_id, item.app_id, held)
        item.quarantine_status = QuarantineStatus.QUARANTINED if held else QuarantineStatus.NONE
        item.save(update_fields=["quarantine_status"])
    else:
        (client.stop_flow if held else client.start_flow)(env_id, item.flow_id)
        item.state = FlowState.STOPPED if held else FlowState.STARTED
        item.save(update_fields=["state"])


def do_release_item(case, user, answer="", when_held=False):
    """The owner answered: release the item (quarantine off / flow on) in a task.

    False if it is too late, or too early: while the quarantine/stop call runs (WAITING without a grace
    period yet) a release would race the hold and could leave the item held. `when_held`: an early
    answer is kept and releases the item as soon as the hold ends (an e-mailed answer cannot be sent
    again later).
    """
    from ..tasks import cleanup_release

    waiting = CleanupCase.objects.filter(pk=case.pk, stage=CleanupStage.WAITING)
    now = timezone.now()
    for _ in range(2):  # the hold may end between the two updates
        with transaction.atomic():
            if waiting.filter(grace_until__isnull=False).update(stage=CleanupStage.RELEASING, answered_at=now,
                                                                answer=answer[:2000], claimed_at=now):
                audit.record(None, "cleanup.answer", obj=case.item, actor=user, case=case.pk, answer=answer[:200])
                _enqueue(cleanup_release, case.pk)
                return True
        if not when_held:
            return False
        if waiting.filter(grace_until__isnull=True).update(answered_at=now, answer=answer[:2000]):
            audit.record(None, "cleanup.answer", obj=case.item, actor=user, case=case.pk, answer=answer[:200],
                         when_held=True)
            return True
    return False


def _release_if_answered(case):
    """An answer kept while the hold ran (do_release_item(when_held=True)) releases the item now."""
    from ..tasks import cleanup_release

    if CleanupCase.objects.filter(pk=case.pk, stage=CleanupStage.WAITING, answered_at__isnull=False).update(
            stage=CleanupStage.RELEASING, claimed_at=timezone.now()):
        _enqueue(cleanup_release, case.pk)


def release_case(case_id, client=None):
    case = CleanupCase.objects.select_related("app__environment", "flow__environment").get(pk=case_id)
    if case.stage != CleanupStage.RELEASING:
        return None
    try:
        _hold(case, client or PowerPlatformClient.shared(), held=False)
    except FAILURES as exc:
        return _fail(case, CleanupStage.RELEASING, exc)
    if not _still_held(case).update(stage=CleanupStage.RELEASED):
        return None  # recovered and run again by another worker, which records the release
    case.refresh_from_db()
    _event(case, "released")
    return case


def advance_due(now=None):
    """Beat's hourly step: remind owners near the end of their grace period; queue clean-up when it ends."""
    from . import cleanup_jobs

    now = now or timezone.now()
    waiting = CleanupCase.objects.filter(stage=CleanupStage.WAITING)
    for case in waiting.filter(grace_until__lte=now + REMIND_BEFORE, grace_until__gt=now, reminders_sent=0):
        if CleanupCase.objects.filter(pk=case.pk, reminders_sent=0).update(reminders_sent=1):
            _event(case, "reminder", grace_until=case.grace_until.isoformat())
    due = list(waiting.filter(grace_until__lte=now).values_list("pk", flat=True))
    if not due:
        return 0
    # One job for the backups and deletions, so the clean-up page shows their progress.
    job = JobRun.objects.create(kind="cleanup.finish", status=JobStatus.RUNNING, started=now, progress_total=len(due))
    CleanupCase.objects.filter(pk__in=due, stage=CleanupStage.WAITING).update(stage=CleanupStage.EXPIRED, job=job)
    cleanup_jobs.enqueue_cases(job, list(CleanupCase.objects.filter(job=job).values_list("pk", flat=True)))
    return len(due)


def finish_case(case_id, client=None):
    """Back up (export, store, verify) and then delete an item whose grace period ended unanswered."""
    client = client or PowerPlatformClient.shared()
    case = _claim(case_id, [CleanupStage.EXPIRED], CleanupStage.BACKING_UP)
    if case is not None:
        try:
            backup = _back_up(case, client)
        except FAILURES as exc:
            return _fail(case, CleanupStage.EXPIRED, exc)
        if not _still_held(case).update(stage=CleanupStage.BACKED_UP):
            return None  # the claim outlived its lease and was recovered; the backup is kept
        _event(case, "backed_up", backup=backup.pk, sha256=backup.sha256, size=backup.size)
    case = _claim(case_id, [CleanupStage.BACKED_UP], CleanupStage.DELETING)
    if case is None:
        return None
    return _delete(case, client)


def _back_up(case, client):
    item = case.item
    item_id = item.app_id if case.app_id else item.flow_id
    content = client.export_package(item.environment.env_id, case.kind, item_id, display_name=item.display_name)
    digest = hashlib.sha256(content).hexdigest()
    backup = Backup(case=case, item_kind=case.kind, item_id=item_id, item_name=item.display_name, size=len(content),
                    sha256=digest, expires_at=timezone.now() + BACKUP_KEEP)
    backup.file.save(f"{case.kind}-{item_id}.zip", ContentFile(content), save=False)
    with default_storage.open(backup.file.name, "rb") as stored:  # read back what storage kept
        kept = stored.read()
    if hashlib.sha256(kept).hexdigest() != digest:
        raise ValueError("the stored backup does not match its checksum")
    with zipfile.ZipFile(io.BytesIO(kept)) as archive:
        if archive.testzip() is not None or "manifest.json" not in archive.namelist():
            raise ValueError("the backup is not a readable package")
    backup.verified_at = timezone.now()
    backup.save()
    return backup


def _still_held(case):
    """The case, if it is still in the stage and claim this worker took (not recovered and re-claimed since)."""
    return CleanupCase.objects.filter(pk=case.pk, stage=case.stage, claimed_at=case.claimed_at)


def _may_delete(case):
    """Nothing is deleted without a verified backup, or, for delete only, a reason."""
    if case.mode == CleanupMode.DELETE_ONLY:
        return bool(case.reason.strip())
    return case.backups.filter(verified_at__isnull=False).exists()


def _delete(case, client):
    """Delete the item in the tenant (idempotent: an item the tenant no longer has counts as deleted)."""
    item = case.item
    back = CleanupStage.PENDING if case.mode == CleanupMode.DELETE_ONLY else CleanupStage.BACKED_UP
    if not _may_delete(case):
        if case.mode == CleanupMode.DELETE_ONLY:
            return _fail(case, CleanupStage.PENDING, ValueError("delete only needs a reason"))
        return _fail(case, CleanupStage.EXPIRED, ValueError("no verified backup"))
    try:
        if case.app_id:
            client.delete_app(item.environment.env_id, item.app_id)
        else:
            client.delete_flow(item.environment.env_id, item.flow_id)
    except FAILURES as exc:
        return _fail(case, back, exc)
    with transaction.atomic():
        if not _still_held(case).update(stage=CleanupStage.DELETED, error=""):
            return None  # recovered and deleted by another worker, which records the deletion
        item.deleted_at = timezone.now()
        item.save(update_fields=["deleted_at"])
        _event(case, "deleted", mode=case.mode, reason=case.reason)
    return case


def _fail(case, retry_stage, exc):
    """Record the failure; the case waits in FAILED until an admin retries it from `retry_stage`."""
    failed = _still_held(case).update(stage=CleanupStage.FAILED, error=f"{retry_stage}|{exc}"[:2000],
                                      attempts=case.attempts + 1)
    if not failed:
        return None  # another worker holds the case now
    case.refresh_from_db()
    _event(case, "failed", error=str(exc)[:300])
    return case


def retry_case(case):
    """Put a failed case (or one whose worker died, past the lease) back at its step and queue it; False if
    it had neither failed nor been abandoned."""
    from ..tasks import cleanup_finish, cleanup_release, cleanup_start
    from .cleanup_recovery import recover_stale

    if recover_stale(cases=CleanupCase.objects.filter(pk=case.pk)):
        return True
    stage = case.error.split("|", 1)[0] if case.error else CleanupStage.PENDING
    if not CleanupCase.objects.filter(pk=case.pk, stage=CleanupStage.FAILED).update(stage=stage):
        return False
    task = {CleanupStage.PENDING: cleanup_start, CleanupStage.RELEASING: cleanup_release}.get(stage, cleanup_finish)
    _enqueue(task, case.pk)
    return True
