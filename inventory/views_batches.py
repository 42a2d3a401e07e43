"""Clean-up of many items at once: bulk quarantine/stop from the lists, delete-only batches from a CSV, job pages."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.filtering import InvalidFilter, refuse
from coe_portal.core.models import JobRun
from coe_portal.core.permissions import role_required

from .choices import CleanupMode, CleanupStage
from .forms import BatchConfirmForm, BulkCleanupForm, DeleteBatchForm
from .models import App, Flow
from .services import cleanup_jobs, cleanup_recovery, delete_batch, usage_guard
from .services.csv_import.errors import CsvImportError

ADMIN = (Role.COE_ADMIN,)
PREVIEW_ROWS = 200
JOB_KINDS = ("cleanup.bulk", "cleanup.finish", delete_batch.KIND, cleanup_jobs.ITEM_KIND)
JOB_TITLES = {"cleanup.bulk": "Bulk quarantine and stop", "cleanup.finish": "Backups and deletions due",
              delete_batch.KIND: "Delete-only batch", cleanup_jobs.ITEM_KIND: "Clean-up of one item"}


def recent_jobs(limit=5):
    """The newest clean-up jobs (a delete batch once confirmed), with their titles and failures, for progress bars."""
    jobs = JobRun.objects.filter(kind__in=JOB_KINDS).exclude(kind=delete_batch.KIND, result__confirmed=False)
    jobs = list(jobs.annotate(failed=Count("cases", filter=Q(cases__stage=CleanupStage.FAILED)))[:limit])
    for job in jobs:
        job.title = JOB_TITLES[job.kind]
    return jobs


@require_POST
@role_required(*ADMIN)
def bulk_cleanup(request, kind):
    """Start the quarantine/stop lifecycle for the checked rows or every row the filters match, as one job."""
    if kind not in cleanup_jobs.MODELS:
        raise Http404
    form = BulkCleanupForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose checked rows or every row the filters match.")
        return redirect(f"inventory:{kind}-list")
    data = form.cleaned_data
    if data["scope"] == "all":
        spec = {"query": (kind, data["query"])}
        try:
            cleanup_jobs.check_query(kind, data["query"])
        except InvalidFilter as exc:
            return refuse(request, f"Nothing was started: {exc}", back=reverse(f"inventory:{kind}-list"))
    else:
        spec = {"items": {kind: [int(pk) for pk in request.POST.getlist("pk") if pk.isdigit()]}}
        if not spec["items"][kind]:
            messages.error(request, "Check the rows to quarantine or stop first.")
            return redirect(f"inventory:{kind}-list")
    usage = usage_guard.in_use(cleanup_jobs.selected(spec))
    if refused := usage_guard.refusal(usage, data["override"], data["override_reason"]):
        return render(request, "inventory/cleanup_in_use.html", {
            "title": "Items in use", "refused": refused, "usage": usage, "form": form, "kind": kind,
            "pks": spec.get("items", {}).get(kind, [])}, status=409)
    reason = data["override_reason"].strip() if usage else ""
    with transaction.atomic():
        job = cleanup_jobs.create_job("cleanup.bulk", request.user, CleanupMode.QUARANTINE, reason=reason,
                                      override=bool(usage), **spec)
        audit.record(request, "cleanup.bulk", obj=job, kind=kind, scope=data["scope"], filters=data["query"],
                     checked=len(spec.get("items", {}).get(kind, [])), **_override_details(usage, reason))
        cleanup_jobs.queue_job(job)
    messages.success(request, "Clean-up started: each item is quarantined or stopped with a grace period.")
    return redirect("inventory:cleanup-job", pk=job.pk)


def _override_details(usage, reason):
    """What the audit log keeps of an override: the reason and the items in use it covered."""
    if not usage:
        return {}
    return {"override": True, "override_reason": reason, "in_use": usage.count,
            "in_use_items": [f"{kind}:{item.pk}" for kind, item in usage.items]}


@role_required(*ADMIN)
def delete_batch_new(request):
    """Upload a CSV of ids to delete without a backup; a bad file is refused whole, naming line and column."""
    form = DeleteBatchForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            parsed = delete_batch.parse_ids(upload)
        except CsvImportError as exc:
            form.add_error("file", f"{upload.name} was refused, nothing was recorded: {exc}")
            audit.record(request, "cleanup.delete_batch.refused", file=upload.name, error=str(exc))
        else:
            with transaction.atomic():
                job = delete_batch.plan_batch(parsed, request.user, form.cleaned_data["reason"], upload.name)
                audit.record(request, "cleanup.delete_batch.upload", obj=job, file=upload.name,
                             count=job.result["count"], unknown=len(job.result["unknown"]))
            return redirect("inventory:cleanup-job", pk=job.pk)
    return render(request, "inventory/delete_batch_new.html", {"form": form, "title": "Delete-only batch"})


def _preview(job):
    items = job.result.get("items", {})
    apps = App.objects.filter(pk__in=items.get("app", [])).select_related("environment", "owner")
    flows = Flow.objects.filter(pk__in=items.get("flow", [])).select_related("environment", "creator")
    rows = [("app", app, app.owner) for app in apps.order_by("display_name")[:PREVIEW_ROWS]]
    rows += [("flow", flow, flow.creator) for flow in flows.order_by("display_name")[:PREVIEW_ROWS - len(rows)]]
    return rows


def job_context(job):
    """What the job's progress card shows; for one item's job, its case and the step it is at."""
    context = {"job": job, "title": JOB_TITLES[job.kind], "failed": job.cases.filter(stage="failed").count(),
               "stalled": cleanup_recovery.abandoned(job.cases.all()).count()}
    if job.kind == cleanup_jobs.ITEM_KIND:
        case = job.cases.select_related("app", "flow").first()
        if case is not None:
            context.update(case=case, step=case.step_label(), title=f"Clean-up of {case.item}")
    return context


@role_required(*ADMIN)
def cleanup_job(request, pk):
    """A clean-up job: the preview and typed confirmation of a delete batch, then its progress (HTMX polling)."""
    job = get_object_or_404(JobRun, pk=pk, kind__in=JOB_KINDS)
    context = job_context(job)
    if request.htmx:
        return render(request, "inventory/inc/cleanup_job.html", context)
    if job.kind == delete_batch.KIND and not job.result.get("confirmed"):
        context.update(preview=_preview(job), phrase=delete_batch.expected_phrase(job),
                       confirm_form=BatchConfirmForm(auto_id="confirm_%s"),
                       usage=usage_guard.in_use(cleanup_jobs.selected(job.result)))
    return render(request, "inventory/cleanup_job.html", context)


@require_POST
@role_required(*ADMIN)
def delete_batch_confirm(request, pk):
    job = get_object_or_404(JobRun, pk=pk, kind=delete_batch.KIND)
    form = BatchConfirmForm(request.POST)
    form.is_valid()
    typed, override = form.data.get("typed", ""), form.cleaned_data.get("override", False)
    reason = form.cleaned_data.get("override_reason", "").strip()
    usage = usage_guard.in_use(cleanup_jobs.selected(job.result))
    if not job.result.get("confirmed") and (refused := usage_guard.refusal(usage, override, reason,
                                                                                 "Nothing was deleted")):
        messages.error(request, refused)
    elif delete_batch.confirm_batch(job, typed, override=bool(usage)):
        audit.record(request, "cleanup.delete_batch.confirm", obj=job, count=job.result["count"],
                     reason=job.result["reason"], **_override_details(usage, reason))
        messages.success(request, f"Deleting {job.result['count']} items.")
    else:
        messages.error(request, f"Nothing was deleted: type {delete_batch.expected_phrase(job)} exactly to confirm."
                       if not job.result.get("confirmed") else "This batch has already started.")
    return redirect("inventory:cleanup-job", pk=job.pk)


@require_POST
@role_required(*ADMIN)
def cleanup_job_retry(request, pk):
    job = get_object_or_404(JobRun, pk=pk, kind__in=JOB_KINDS)
    retried = cleanup_jobs.retry_job(job)
    audit.record(request, "cleanup.job_retry", obj=job, retried=retried)
    messages.success(request, f"{retried} failed item{'s' if retried != 1 else ''} queued again.")
    return redirect("inventory:cleanup-job", pk=job.pk)

