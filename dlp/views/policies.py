from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.generic import ObjectListView
from coe_portal.core.permissions import role_required
from coe_portal.core.redirects import safe_next
from inventory.models import Connector, ConnectorUsage, Environment

from ..choices import Group, Scope
from ..filtersets import PolicyFilterSet
from ..models import ImpactRun, Policy
from ..services import impact
from ..services.policies import copy_to_draft, move_connector, set_scope, start_policy_sync
from ..services.whatif import if_moved
from ..tables import PolicyTable

VIEWERS = (Role.COE_ADMIN, Role.MANAGER)
ADMINS = (Role.COE_ADMIN,)


class PolicyListView(ObjectListView):
    queryset = Policy.objects.select_related("replaces")
    table_class = PolicyTable
    filterset_class = PolicyFilterSet
    required_roles = VIEWERS
    title = "DLP policies"
    template_name = "dlp/policy_list.html"


def latest_run(policy, done=True):
    """The newest (computed, unless `done` is false) run for a draft, or for the live policies."""
    runs = ImpactRun.objects.filter(draft=policy if policy.is_draft else None)
    if done:
        return runs.filter(status=ImpactRun.Status.DONE).first()
    return runs.exclude(status=ImpactRun.Status.FAILED).first()


def _groups(policy):
    rows = policy.connectors.select_related("connector").order_by("connector__display_name")
    return {group: [row.connector for row in rows if row.group == group] for group in Group}


@role_required(*VIEWERS)
def policy_detail(request, pk):
    policy = get_object_or_404(Policy.objects.select_related("replaces"), pk=pk)
    return render(request, "dlp/policy.html", {
        "policy": policy, "title": str(policy), "groups": _groups(policy), "run": latest_run(policy),
        "environments": policy.environments.order_by("display_name"), "scopes": Scope.choices,
        "all_environments": Environment.objects.filter(deleted_at__isnull=True),
        "exemptions": policy.exemptions.select_related("app", "flow")[:200],
        "live": Policy.objects.filter(is_draft=False, deleted_at=None)})


@role_required(*VIEWERS)
def policy_connectors(request, pk):
    """HTMX: connectors matching the search, each with its group in this policy and move buttons."""
    policy = get_object_or_404(Policy, pk=pk)
    query = request.GET.get("q", "").strip()[:200]
    if "\x00" in query:  # PostgreSQL refuses it in a query parameter
        return HttpResponseBadRequest("The search holds a NUL character.", content_type="text/plain")
    connectors = Connector.objects.all()
    if query:
        connectors = connectors.filter(Q(display_name__icontains=query) | Q(connector_id__icontains=query))
    listed = dict(policy.connectors.values_list("connector_id", "group"))
    rows = [(c, listed.get(c.pk, "")) for c in connectors.order_by("display_name")[:50]]
    return render(request, "dlp/inc/connector_rows.html", {"policy": policy, "rows": rows, "groups": Group.choices,
                                                           "query": query})


@require_POST
@role_required(*ADMINS)
def policy_move(request, pk):
    draft = get_object_or_404(Policy, pk=pk, is_draft=True)
    connector = get_object_or_404(Connector, pk=request.POST.get("connector"))
    group = request.POST.get("group", "")
    if group and group not in Group.values:
        messages.error(request, f"Unknown group {group!r}.")
        return redirect(draft)
    run = latest_run(draft)
    if run and run.status == ImpactRun.Status.DONE:
        # Only the items using this connector can change: recompute them, not the tenant.
        impact.recompute(run, connector=connector.pk, change=lambda: move_connector(draft, connector, group))
    else:
        move_connector(draft, connector, group)
    audit.record(request, "dlp.draft.move_connector", obj=draft, connector=connector.connector_id, group=group)
    messages.success(request, f"{connector} is now in {Group(group).label if group else 'the default group'}.")
    if request.htmx:
        label = Group(group).label if group else f"default ({draft.get_default_group_display()})"
        return render(request, "dlp/inc/move_done.html", {"policy": draft, "connector": connector,
                                                          "group": label, "run": latest_run(draft)})
    return redirect(safe_next(request, request.POST.get("next"), draft.get_absolute_url()))


@require_POST
@role_required(*ADMINS)
def policy_scope(request, pk):
    draft = get_object_or_404(Policy, pk=pk, is_draft=True)
    scope = request.POST.get("scope")
    if scope not in Scope.values:
        messages.error(request, "Choose a scope.")
        return redirect(draft)
    environments = Environment.objects.filter(pk__in=request.POST.getlist("environments"))
    set_scope(draft, scope, environments)
    audit.record(request, "dlp.draft.scope", obj=draft, scope=scope, environments=[e.env_id for e in environments])
    impact.start_impact(draft, request.user)
    messages.success(request, "Scope changed; the impact is being recomputed.")
    return redirect(draft)


@require_POST
@role_required(*ADMINS)
def policy_copy(request, pk):
    policy = get_object_or_404(Policy, pk=pk, is_draft=False)
    draft = copy_to_draft(policy, request.user)
    audit.record(request, "dlp.draft.copy", obj=draft, source=policy.pk)
    impact.start_impact(draft, request.user)
    return redirect(draft)


@require_POST
@role_required(*ADMINS)
def draft_new(request):
    name = request.POST.get("display_name", "").strip() or "New draft policy"
    draft = Policy.objects.create(display_name=name[:200], is_draft=True, created_by=request.user)
    audit.record(request, "dlp.draft.create", obj=draft)
    return redirect(draft)


@require_POST
@role_required(*ADMINS)
def policy_sync(request):
    job = start_policy_sync(request.user)
    audit.record(request, "dlp.policy.sync", obj=job)
    return redirect("job", code=job.code)


@role_required(*VIEWERS)
def connector_detail(request, pk):
    """Every item using a connector, and what would break were it moved in a draft."""
    connector = get_object_or_404(Connector, pk=pk)
    usages = ConnectorUsage.objects.filter(connector=connector).select_related(
        "app__environment", "flow__environment", "app__owner", "flow__creator").order_by("pk")
    drafts = Policy.objects.filter(is_draft=True)
    draft = drafts.filter(pk=request.GET.get("draft") or 0).first() or drafts.first()
    moved = if_moved(draft, connector.pk) if draft else {}
    return render(request, "dlp/connector.html", {
        "connector": connector, "title": str(connector), "usages": usages[:200], "usage_count": usages.count(),
        "drafts": drafts, "draft": draft, "moved": [(Group(g).label, n) for g, n in moved.items()]})
