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
from .forms import CleanupStartForm
from .models import App, Backup, CleanupCase, Flow, Maker
from .services import cleanup, cleanup_jobs
from .views_batches import recent_jobs
from .views_items import item_page_context

ADMIN = (Role.COE_ADMIN,)
MODELS = {"app": App, "flow": Flow}


@require_POST
@role_required(*ADMIN)
def cleanup_start(request, kind, pk):
    """Quarantine an app / stop a flow with the grace period chosen, or (with a reason) delete it only.

    From the item page (HTMX) the answer is the page's clean-up, facts and history parts, re-rendered.
    """
    if kind not in MODELS:
        raise Http404
    item = get_object_or_404(MODELS[kind].objects.filter(deleted_at__isnull=True), pk=pk)
    form = CleanupStartForm(request.POST, auto_id="cleanup_%s")
    if not form.is_valid():
        return _started(request, item, form, error=_form_error(form), status=400)
    data = form.cleaned_data
    grace_days = data["grace_days"] if data["mode"] == CleanupMode.QUARANTINE else None
    with transaction.atomic():
        job = cleanup_jobs.start_item_job(item, request.user, mode=data["mode"], reason=data["reason"],
                                          grace_days=grace_days)
        audit.record(request, "cleanup.request", obj=item, mode=data["mode"], opened=int(job is not None),
                     job=str(job.code) if job else "", grace_days=grace_days, reason=data["reason"])
    if job is None:
        return _started(request, item, form, error=f"{item} already has an open case.", status=409)
    return _started(request, item, CleanupStartForm(auto_id="cleanup_%s"), done=_started_text(item, data))


def _form_error(form):
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _started_text(item, data):
    if data["mode"] == CleanupMode.DELETE_ONLY:
        return f"Deletion of {item} started."
    held = "quarantined" if isinstance(item, App) else "stopped"
    return f"Clean-up of {item} started: it is {held} now, with a grace period of {data['grace_days']} days."


def _started(request, item, form, done="", error="", status=200):
    """The item page's live parts (HTMX) saying what happened, or back to the page with a message."""
    if request.htmx:
        item = type(item).objects.select_related("environment", type(item).owner_field).get(pk=item.pk)
        context = item_page_context(request, item, start_form=form)
        context.update(done=done, error=error)
        return render(request, "inventory/inc/item_live.html", context, status=status)
    messages.add_message(request, messages.ERROR if error else messages.SUCCESS, error or done)
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
