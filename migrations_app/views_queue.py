"""The CoE admin side of migrations: the request queue, bulk decisions, waves, retries."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.generic import ObjectListView
from coe_portal.core.permissions import role_required

from . import filtersets, tables
from .models import MigrationJob, MigrationRequest, StateError, Wave
from .request_forms import DecisionForm, WaveForm
from .services import requests, status
from .views_requests import is_partial

ADMIN = (Role.COE_ADMIN,)


class RequestQueueView(ObjectListView):
    # Drafts (from makers' e-mail answers) reach the queue once their maker sends them.
    queryset = MigrationRequest.objects.sent().select_related(
        "requested_by", "target", "wave", "job").prefetch_related("items__app", "items__flow")
    table_class = tables.MigrationRequestTable
    filterset_class = filtersets.MigrationRequestFilterSet
    required_roles = ADMIN
    title = "Migration requests"
    template_name = "migrations_app/requests/queue.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "decision_form": DecisionForm()}


@require_POST
@role_required(*ADMIN)
def request_bulk(request):
    """Approve, reject or put in a wave the ticked requests, with one message to their makers."""
    ids = [int(v) for v in request.POST.getlist("pk") if v.isdigit()]
    form = DecisionForm(request.POST, request_ids=ids)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("migrations_app:request-queue")
    data = form.cleaned_data
    chosen = list(MigrationRequest.objects.sent().filter(pk__in=data["pk"]))  # a draft is not the queue's yet
    with transaction.atomic():
        if data["action"] == "assign":
            changed, refused = requests.do_assign(chosen, data["wave"])
        else:
            changed, refused = requests.do_decide(chosen, request.user, data["action"] == "approve", data["message"],
                                                  data["wave"])
        for migration in changed:
            audit.record(request, f"migration.request.{data['action']}", obj=migration, message=data["message"],
                         wave=data["wave"].pk if data["wave"] else None)
    if changed:
        messages.success(request, f"{len(changed)} request{'s' if len(changed) != 1 else ''}: {data['action']} done.")
    for migration, why in refused:
        messages.error(request, f"{migration}: {why}")
    return redirect("migrations_app:request-queue")


@require_POST
@role_required(*ADMIN)
def request_retry(request, pk):
    """Retry the failed step of a request's job, alone."""
    job = get_object_or_404(MigrationJob, request_id=pk)
    try:
        with transaction.atomic():
            step = job.step
            job.retry()
            status.enqueue(job)
            audit.record(request, "migration.job.retry", obj=job.request, step=step)
    except StateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Retrying: {job.get_step_display()}.")
    return redirect(job.request)


@role_required(*ADMIN)
def wave_list(request):
    """The waves, and a form to plan a new one."""
    form = WaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.instance.created_by = request.user
            wave = form.save()
            audit.record(request, "migration.wave.create", obj=wave, scheduled_start=str(wave.scheduled_start or ""))
        messages.success(request, f"Wave {wave} planned. Put approved requests in it from the queue.")
        return redirect(wave)
    waves = Wave.objects.prefetch_related("requests")
    return render(request, "migrations_app/requests/wave_list.html",
                  {"title": "Migration waves", "waves": waves, "form": form})


@role_required(*ADMIN)
def wave_detail(request, pk):
    """A wave's requests and their jobs' progress, polled while any runs."""
    wave = get_object_or_404(Wave, pk=pk)
    rows = list(wave.requests.select_related("requested_by", "target", "job").prefetch_related("items__app",
                                                                                               "items__flow"))
    running = any(getattr(r, "job", None) and not r.job.is_finished and r.job.state != "failed" for r in rows)
    context = {"wave": wave, "rows": rows, "running": running, "title": str(wave)}
    partial = is_partial(request)
    template = "migrations_app/inc/wave_jobs.html" if partial else "migrations_app/requests/wave_detail.html"
    return render(request, template, context)


@require_POST
@role_required(*ADMIN)
def wave_start(request, pk):
    """Start a wave now: one job per scheduled request in it."""
    wave = get_object_or_404(Wave, pk=pk)
    with transaction.atomic():
        jobs = requests.do_start_wave(wave)
        if jobs:
            audit.record(request, "migration.wave.start", obj=wave, jobs=len(jobs))
    if jobs:
        messages.success(request, f"Wave {wave} started: {len(jobs)} job{'s' if len(jobs) != 1 else ''}.")
    else:
        messages.error(request, f"Wave {wave} has already started, or holds no scheduled request.")
    return redirect(wave)
