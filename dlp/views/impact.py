from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.filtering import InvalidFilter, refuse, strict_queryset
from coe_portal.core.generic import ObjectListView, bind_list_filters, paginate
from coe_portal.core.permissions import role_required
from coe_portal.core.redirects import safe_next
from coe_portal.core.selections import stash_selection
from inventory.models import Connector, Environment, Tag

from ..choices import CHANGE_KEYS, Change, ItemStatus
from ..filtersets import ImpactItemFilterSet
from ..models import ImpactItem, ImpactRun, Policy
from ..services import actions, impact
from ..services.explain import explain, item_key
from ..services.targets import suggest_targets
from ..tables import ImpactItemTable
from .policies import ADMINS, VIEWERS, latest_run

TOP = 10


def _policy_and_run(pk):
    policy = get_object_or_404(Policy, pk=pk)
    return policy, latest_run(policy)


def _top(rows, field, label_field):
    counts = rows.values(field, label_field).annotate(n=Count("id")).order_by("-n")[:TOP]
    return [(row[label_field] or "—", row[field], row["n"]) for row in counts]


@role_required(*VIEWERS)
def impact_summary(request, pk):
    """Counts by change; items broken under the proposed policies by environment, department, maker, connector."""
    policy = get_object_or_404(Policy, pk=pk)
    run = latest_run(policy, done=False)
    if request.htmx and run and run.status == ImpactRun.Status.DONE:
        return HttpResponse(headers={"HX-Refresh": "true"})  # the progress poll ends: show the whole page
    context = {"policy": policy, "run": run, "title": f"Impact of {policy}"}
    if run and run.status == ImpactRun.Status.DONE:
        broken = ImpactItem.objects.filter(run=run, proposed=ItemStatus.BROKEN)
        connectors = sorted(run.counts.get("connectors", {}).items(), key=lambda kv: -kv[1][1] or -kv[1][0])[:TOP]
        names = dict(Connector.objects.filter(pk__in=[int(c) for c, _ in connectors]).values_list("pk", "display_name"))
        context.update({
            "changes": [(code, label, run.counts.get(CHANGE_KEYS[code], 0)) for code, label in Change.choices],
            "by_environment": _top(broken, "environment_id", "environment__display_name"),
            "by_department": _top(broken, "maker__department", "maker__department"),
            "by_maker": _top(broken, "maker_id", "maker__display_name"),
            "by_connector": [(names.get(int(c), c), c, n) for c, n in connectors],
        })
    template = "dlp/inc/impact_progress.html" if request.htmx and run and run.status in (
        ImpactRun.Status.PENDING, ImpactRun.Status.RUNNING) else "dlp/impact.html"
    return render(request, template, context)


@require_POST
@role_required(*ADMINS)
def impact_compute(request, pk):
    policy = get_object_or_404(Policy, pk=pk)
    run = impact.start_impact(policy if policy.is_draft else None, request.user)
    audit.record(request, "dlp.impact.compute", obj=policy, run=run.pk)
    return redirect("dlp:impact", pk=policy.pk)


class ImpactItemListView(ObjectListView):
    """The drill-down: one run's impacted items, with the exact violations of the rows on screen."""

    table_class = ImpactItemTable
    filterset_class = ImpactItemFilterSet
    required_roles = VIEWERS
    template_name = "dlp/impact_items.html"

    def get_queryset(self):
        self.policy, self.run = _policy_and_run(self.kwargs["pk"])
        self.title = f"Items impacted by {self.policy}"
        self.filterset_class = partial(ImpactItemFilterSet, run=self.run)
        rows = ImpactItem.objects.filter(run=self.run) if self.run else ImpactItem.objects.none()
        return rows.select_related("app", "flow", "environment", "maker")

    def get(self, request, *args, **kwargs):
        queryset = self.get_queryset()  # sets self.run
        self.filterset, rows, status = bind_list_filters(ImpactItemFilterSet, request, queryset, run=self.run)
        table = self.table_class(rows)
        paginate(table, request, self.get_per_page(), Paginator)
        rows = list(table.page.object_list) if table.page else []
        draft = self.policy if self.policy.is_draft else None
        keys = [item_key(r.record) for r in rows]
        table.explained = explain(draft, keys) if rows else {}
        departments = {item_key(r.record): getattr(r.record.maker, "department", "") for r in rows}
        table.suggested = suggest_targets(draft, keys, departments) if rows else {}
        ids = {i for found in table.explained.values() for v in found for i in (*v.business, *v.non_business,
                                                                                 *v.blocked)}
        table.names = dict(Connector.objects.filter(pk__in=ids).values_list("pk", "display_name"))
        table.policies = dict(Policy.objects.filter(pk__in=self.run.policy_ids if self.run else []).values_list(
            "pk", "display_name"))
        if request.htmx and not request.htmx.boosted:
            self.template_name = "dlp/inc/impact_table.html"
        return self.render_to_response(self.get_context_data(
            table=table, filterset=self.filterset, title=self.title, policy=self.policy, run=self.run,
            tags=Tag.objects.all(), environments=Environment.objects.filter(deleted_at__isnull=True)), status=status)


def _selected(run, request):
    ids = [int(pk) for pk in request.POST.getlist("pk") if pk.isdigit()]
    return list(ImpactItem.objects.filter(run=run, pk__in=ids).select_related("maker"))


def _listed(run, request):
    """Every row the list's filters (the posted `query`) match; InvalidFilter rather than more rows."""
    rows = strict_queryset(ImpactItemFilterSet, request.POST.get("query", ""), ImpactItem.objects.filter(run=run),
                           run=run)
    return list(rows.only("app_id", "flow_id"))


def _notify(request, policy, rows):
    """The campaign form, with the items of `rows` chosen (handed over in the session: they can be thousands)."""
    apps, flows = actions.split_items(rows)
    key = stash_selection(request, apps, flows)
    name = f"Owners of items impacted by {policy.display_name}"[:200]
    return redirect(reverse("comms:campaign-new") + "?" + urlencode({"selection": key, "name": name}))


@require_POST
@role_required(*ADMINS)
def impact_bulk(request, pk):
    """Tag, exempt, notify the makers of, or propose a target environment for the selected items."""
    policy, run = _policy_and_run(pk)
    back = redirect(safe_next(request, request.POST.get("next"), reverse("dlp:impact-items", kwargs={"pk": policy.pk})))
    action = request.POST.get("action")
    try:
        every_listed = action == "notify" and request.POST.get("scope") == "listed"
        rows = (_listed if every_listed else _selected)(run, request) if run else []
    except InvalidFilter as exc:
        return refuse(request, str(exc), back=back.url)
    if not rows:
        messages.error(request, "No item matches these filters." if every_listed else "Select at least one item.")
        return back
    if action == "tag":
        tag = Tag.objects.filter(pk=request.POST.get("tag") or 0).first()
        if tag is None:
            messages.error(request, "Choose a tag.")
            return back
        count = actions.tag_items(rows, tag)
        audit.record(request, "dlp.impact.tag", obj=policy, tag=tag.name, items=count)
        messages.success(request, f"Tagged {count} items “{tag.name}”.")
    elif action == "exempt":
        reason = request.POST.get("reason", "").strip()
        if not reason:
            messages.error(request, "Give the reason for the exemption.")
            return back
        count = actions.exempt_items(run, policy, rows, reason, request.user)
        audit.record(request, "dlp.impact.exempt", obj=policy, items=count, reason=reason)
        messages.success(request, f"Exempted {count} items from {policy}.")
    elif action == "notify":
        return _notify(request, policy, rows)
    elif action == "target":
        proposed, unplaced = actions.propose_targets(policy if policy.is_draft else None, rows, request.user)
        audit.record(request, "dlp.impact.propose_targets", obj=policy, proposed=proposed, unplaced=unplaced)
        messages.success(request, f"Proposed a target environment for {proposed} items; {unplaced} fit nowhere.")
    else:
        messages.error(request, "Choose an action.")
    return back
