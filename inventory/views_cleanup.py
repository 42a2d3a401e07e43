"""Quarantine and clean-up pages: start a case, the owner's answer, retries, backups and their download."""

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.permissions import has_role, role_required

from .choices import CleanupMode, CleanupStage
from .models import App, Backup, CleanupCase, Flow, Maker
from .services import cleanup, cleanup_jobs
from .views_batches import recent_jobs

ADMIN = (Role.COE_ADMIN,)
MODELS = {"app": App, "flow": Flow}


@require_POST
@role_required(*ADMIN)
def cleanup_start(request, kind, pk):
    """Quarantine an app / stop a flow with a grace period, or (with a reason) delete it only."""
    if kind not in MODELS:
        raise Http404
    item = get_object_or_404(MODELS[kind].objects.filter(deleted_at__isnull=True), pk=pk)
    mode = CleanupMode.DELETE_ONLY if request.POST.get("mode") == CleanupMode.DELETE_ONLY else CleanupMode.QUARANTINE
    try:
        with transaction.atomic():
            job = cleanup_jobs.start_item_job(item, request.user, mode=mode, reason=request.POST.get("reason", ""))
            audit.record(request, "cleanup.request", obj=item, mode=mode, opened=int(job is not None),
                         job=str(job.code) if job else "")
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        if job is None:
            messages.error(request, f"{item} already has an open case.")
        else:
            messages.success(request, f"Clean-up of {item} started.")
    return redirect(item.get_absolute_url())


@role_required(*ADMIN)
def case_list(request):
    stage = request.GET.get("stage", "")
    cases = CleanupCase.objects.select_related("app", "flow").prefetch_related("backups")
    if stage in CleanupStage.values:
        cases = cases.filter(stage=stage)
    return render(request, "inventory/case_list.html", {"cases": cases[:200], "stages": CleanupStage.choices,
                                                        "stage": stage, "title": "Quarantine and clean-up",
                                                        "jobs": recent_jobs()})


@require_POST
@role_required(*ADMIN)
def case_retry(request, pk):
    case = get_object_or_404(CleanupCase, pk=pk)
    with transaction.atomic():
        retried = cleanup.retry_case(case)
        audit.record(request, "cleanup.retry", obj=case.item, case=case.pk, retried=retried)
    messages.success(request, "Queued again." if retried else "That case had not failed and is not stuck.")
    return redirect("inventory:case-list")


@require_POST
@role_required(*ADMIN)
def run_due(request):
    """Do now what beat does hourly: reminders, and clean-up of ended grace periods."""
    with transaction.atomic():
        due = cleanup.advance_due()
        audit.record(request, "cleanup.run_due", due=due)
    messages.success(request, f"{due} item{'s' if due != 1 else ''} queued for backup and deletion.")
    return redirect("inventory:case-list")


@require_POST
@role_required(Role.MAKER, Role.COE_ADMIN)
def case_answer(request, pk):
    """The owner keeps their item: quarantine is lifted / the flow turned on again."""
    case = get_object_or_404(CleanupCase.objects.select_related("app", "flow"), pk=pk)
    owner = case.app.owner_id if case.app_id else case.flow.creator_id
    is_owner = Maker.objects.for_user(request.user).filter(pk=owner).exists()
    if not is_owner and not has_role(request.user, Role.COE_ADMIN):
        raise Http404
    if cleanup.do_release_item(case, request.user, request.POST.get("answer", "")):
        messages.success(request, f"Thank you: {case.item} is being released.")
    else:
        messages.error(request, f"{case.item} cannot be released now ({case.stage_text()}).")
    return redirect(case.item.get_absolute_url())


@role_required(*ADMIN)
def backup_list(request):
    backups = Backup.objects.select_related("case")[:500]
    return render(request, "inventory/backup_list.html", {"backups": backups, "title": "Backups"})


@role_required(*ADMIN)
def backup_download(request, pk):
    backup = get_object_or_404(Backup, pk=pk)
    audit.record(request, "backup.download", obj=backup, sha256=backup.sha256)
    return FileResponse(backup.file.open("rb"), as_attachment=True, filename=backup.file.name.rsplit("/", 1)[-1],
                        content_type="application/zip")
