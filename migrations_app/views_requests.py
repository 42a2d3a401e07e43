"""Maker self-service: my apps and flows, request a migration, send a draft, follow it, cancel it, pick connections."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.permissions import has_role, role_required
from dlp.services import lookup, reasons

from .choices import JobState
from .models import MigrationRequest, StateError
from .request_forms import ConnectionsForm, MyItemsFilterForm, RequestForm
from .services import connections, maker_items, requests, status, targets

REQUESTERS = (Role.MAKER, Role.COE_ADMIN)


def is_partial(request):
    """An HTMX poll of a fragment; a boosted link wants the whole page."""
    return bool(request.htmx) and not request.htmx.boosted


def get_request_for_user(request, pk):
    """The migration request if the user may see it (its maker or a CoE admin), else 404."""
    return get_object_or_404(MigrationRequest.objects.visible_to(request.user).select_related("target", "wave"),
                             pk=pk)


@role_required(*REQUESTERS)
def my_items(request):
    """The maker's own apps and flows, searched, filtered and sorted, with the reasons for each recommendation
    and DLP break, and their migration state; the table alone for an HTMX filter change."""
    form = MyItemsFilterForm(request.GET)
    runs = lookup.impact_runs(request)
    valid = form.is_valid()
    rows, truncated = maker_items.maker_rows(request.user, form.cleaned_data, runs) if valid else ([], False)
    context = {"title": "My apps and flows", "form": form, "rows": rows, "truncated": truncated,
               "dlp_known": runs.latest is not None, "filtered": any(form.data.get(name) for name in form.fields
                                                                      if name != "sort"),
               "sort": (form.cleaned_data.get("sort") if valid else "") or "name"}
    context["headers"] = _sort_headers(context["sort"])
    if is_partial(request):
        return render(request, "migrations_app/inc/my_items_table.html", context, status=200 if valid else 400)
    context["requests"] = MigrationRequest.objects.filter(requested_by=request.user).select_related(
        "target", "job")[:50]
    return render(request, "migrations_app/requests/my_items.html", context, status=200 if valid else 400)


SORTABLE = [("name", "Name"), ("kind", "Kind"), ("environment", "Environment"), ("recommendation", "Recommendation"),
            ("dlp", "DLP (live policies)"), ("migration", "Migration")]


def _sort_headers(current):
    """[(label, the sort its link asks for, aria-sort)] of the sortable columns: a second click reverses."""
    headers = []
    for key, label in SORTABLE:
        state = "ascending" if current == key else "descending" if current == f"-{key}" else "none"
        headers.append((label, f"-{key}" if current == key else key, state))
    return headers


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
    form = ConnectionsForm(request.POST or None, refs=job.connection_refs, bindings=job.bindings,
                           who=connections.identity(migration.requested_by))
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
