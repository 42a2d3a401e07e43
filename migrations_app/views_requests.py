"""Maker self-service: my apps and flows, request a migration, send a draft, follow it, cancel it, pick connections."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.permissions import has_role, role_required
from dlp.choices import ItemStatus
from dlp.services import lookup, reasons

from .choices import JobState
from .models import MigrationRequest, StateError
from .request_forms import ConnectionsForm, RequestForm
from .services import requests, status, targets

REQUESTERS = (Role.MAKER, Role.COE_ADMIN)
ITEM_LIMIT = 500  # a maker's own items; more than this is a CoE admin's inventory, not a maker's page


def is_partial(request):
    """An HTMX poll of a fragment; a boosted link wants the whole page."""
    return bool(request.htmx) and not request.htmx.boosted


def get_request_for_user(request, pk):
    """The migration request if the user may see it (its maker or a CoE admin), else 404."""
    return get_object_or_404(MigrationRequest.objects.visible_to(request.user).select_related("target", "wave"),
                             pk=pk)


@role_required(*REQUESTERS)
def my_items(request):
    """The maker's own apps and flows with status, recommendation, DLP impact and migration state."""
    apps, flows = requests.my_items(request.user)
    runs = lookup.impact_runs(request)
    apps = list(lookup.item_status(apps, runs)[:ITEM_LIMIT])
    flows = list(lookup.item_status(flows, runs)[:ITEM_LIMIT])
    moved = {"app": status.migration_status("app", [a.pk for a in apps]),
             "flow": status.migration_status("flow", [f.pk for f in flows])}
    rows = [{"kind": kind, "item": item, "migration": moved[kind].get(item.pk),
             "dlp": ItemStatus(item.dlp_status or ItemStatus.OK).label}
            for kind, items in (("app", apps), ("flow", flows)) for item in items]
    mine = MigrationRequest.objects.filter(requested_by=request.user).select_related("target", "job")[:50]
    return render(request, "migrations_app/requests/my_items.html",
                  {"title": "My apps and flows", "rows": rows, "dlp_known": runs.latest is not None, "requests": mine,
                   "truncated": len(apps) == ITEM_LIMIT or len(flows) == ITEM_LIMIT})


def _chosen_items(request, data):
    apps, flows = requests.my_items(request.user)
    ids = {kind: [int(v) for v in data.getlist(kind) if v.isdigit()] for kind in ("app", "flow")}
    items = list(apps.filter(pk__in=ids["app"])) + list(flows.filter(pk__in=ids["flow"]))
    if len(items) != len(ids["app"]) + len(ids["flow"]):
        raise Http404("Only your own apps and flows can be requested.")
    return items


@role_required(*REQUESTERS)
def request_new(request):
    """Request the migration of the ticked items: a target offered by the strategy, a reason, a window."""
    data = request.POST if request.method == "POST" else request.GET
    items = _chosen_items(request, data)
    if not items:
        messages.error(request, "Tick at least one app or flow to migrate.")
        return redirect("migrations_app:my-items")
    options = targets.request_options(request.user, items)
    form = RequestForm(request.POST or None, targets=options.targets, labels=options.labels,
                       initial={"target": options.initial})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                created = requests.do_submit_request(request.user, items, **form.cleaned_data)
                audit.record(request, "migration.request.create", obj=created, target=created.target.env_id,
                             items=[str(item) for item in items])
        except StateError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{created} sent to the CoE team. Follow it here.")
            return redirect(created)
    breaks = reasons.breaks([requests.item_key(item) for item in items])
    return render(request, "migrations_app/requests/request_new.html",
                  {"title": "Request a migration", "form": form, "targets": options.targets,
                   "refused": targets.refused_targets(items),
                   "chosen": [(item._meta.model_name, item, breaks.get(requests.item_key(item), []))
                              for item in items]})


@role_required(*REQUESTERS)
def request_detail(request, pk):
    """A request, its job's steps with logs and progress (polled while it runs), and what the maker can do."""
    migration = get_request_for_user(request, pk)
    job = getattr(migration, "job", None)
    items = migration.items.select_related("app", "flow")
    context = {"migration": migration, "job": job, "items": items,
               "is_admin": has_role(request.user, Role.COE_ADMIN), "title": str(migration),
               "conflicts": requests.conflicts(migration), "send_form": _draft_form(migration, items)}
    partial = is_partial(request)
    template = "migrations_app/inc/request_progress.html" if partial else "migrations_app/requests/detail.html"
    return render(request, template, context)


@require_POST
@role_required(*REQUESTERS)
def request_cancel(request, pk):
    """The maker (or an admin) cancels a request that has not started."""
    migration = get_request_for_user(request, pk)
    try:
        with transaction.atomic():
            migration.cancel()
            audit.record(request, "migration.request.cancel", obj=migration)
    except StateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{migration} cancelled.")
    return redirect(migration)


@role_required(*REQUESTERS)
def request_connections(request, pk):
    """Pick a target connection for each connection reference of a job waiting for them."""
    migration = get_request_for_user(request, pk)
    job = getattr(migration, "job", None)
    if job is None or job.state != JobState.NEEDS_INPUT:
        messages.info(request, "This migration is not waiting for connections.")
        return redirect(migration)
    form = ConnectionsForm(request.POST or None, refs=job.connection_refs, bindings=job.bindings)
    if request.method == "POST":
        try:
            with transaction.atomic():
                _bind_or_check(request, job, form)
        except StateError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(migration)
    return render(request, "migrations_app/requests/connections.html",
                  {"title": f"Connections for {migration}", "migration": migration, "job": job, "form": form})


def _bind_or_check(request, job, form):
    if "check" in request.POST:
        job.check_again()
        audit.record(request, "migration.connections.check", obj=job.request)
        messages.info(request, "Looking at the target's connections again.")
    elif form.is_valid():
        job.provide_bindings(form.cleaned_data, request.user.get_username())
        audit.record(request, "migration.connections.bind", obj=job.request, bindings=form.cleaned_data)
        messages.success(request, "Connections saved: the migration goes on.")
    else:
        raise StateError("Pick a connection for every connection reference.")
    status.enqueue(job)


def _draft_form(migration, items, data=None):
    """The prefilled form a draft is checked and sent with (None when the request is not a draft)."""
    if not migration.is_draft:
        return None
    options = targets.request_options(migration.requested_by, [row.item for row in items])
    initial = {"target": migration.target_id or options.initial, "reason": migration.reason,
               "source_action": migration.source_action, "preferred_from": migration.preferred_from,
               "preferred_to": migration.preferred_to}
    return RequestForm(data, initial=initial, targets=options.targets, labels=options.labels)


@require_POST
@role_required(*REQUESTERS)
def request_send(request, pk):
    """Send a draft (made from the maker's e-mail answer), as checked or corrected, to the CoE team."""
    migration = get_request_for_user(request, pk)
    form = _draft_form(migration, migration.items.select_related("app", "flow"), request.POST)
    if form is None:
        messages.info(request, f"{migration} is not a draft: it was sent already.")
        return redirect(migration)
    if form.is_valid():
        try:
            with transaction.atomic():
                migration.send(**form.cleaned_data)
                audit.record(request, "migration.request.send", obj=migration, target=migration.target.env_id)
        except StateError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{migration} sent to the CoE team.")
    else:
        messages.error(request, "Check the draft: " + "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect(migration)
