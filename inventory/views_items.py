"""Apps, flows, bots and Pages sites: list pages with remembered columns, and item detail pages."""

import functools

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from coe_portal.core.choices import Role
from coe_portal.core.generic import ObjectListView, read_choices_in_one_query
from coe_portal.core.models import AuditEntry
from coe_portal.core.permissions import has_role, role_required

from . import filtersets, tables
from .filter_choices import kept_choices
from .forms import BulkTagForm, CleanupStartForm
from .models import App, Bot, Connector, Flow, PagesSite, TablePreference, TriageSettings
from .services.cleanup_jobs import ITEM_KIND
from .views_batches import job_context

BROWSERS = (Role.COE_ADMIN, Role.MANAGER)
TABLES = {"app": tables.AppTable, "flow": tables.FlowTable}


@functools.cache
def chooseable_columns(table_class):
    """(name, label) of the columns a user may hide (declared on the class: computed once)."""
    table = table_class([])
    return [(column.name, column.header) for column in table.columns if column.name not in table_class.required]


class ColumnsMixin:
    """Hide the columns the signed-in user unticked on this list (remembered in TablePreference)."""

    def table_key(self):
        return self.table_class.Meta.model._meta.model_name

    def get_hidden_columns(self):
        if not hasattr(self, "_hidden_columns"):  # asked by the table and by the column chooser: read once
            self._hidden_columns = self._read_hidden_columns()
        return self._hidden_columns

    def _read_hidden_columns(self):
        chosen = TablePreference.objects.filter(user=self.request.user, table=self.table_key()).values_list(
            "columns", flat=True).first()
        if not chosen:
            return self.table_class.default_hidden
        return [name for name, _ in chooseable_columns(self.table_class) if name not in chosen]

    def get_context_data(self, **kwargs):
        hidden = set(self.get_hidden_columns())
        columns = [(name, label, name not in hidden) for name, label in chooseable_columns(self.table_class)]
        bulk_form = BulkTagForm(initial={"query": self.request.GET.urlencode()}, auto_id="bulk_%s",
                                kept_tags=kept_choices(self.filterset, "tag"))
        read_choices_in_one_query(bulk_form)
        return super().get_context_data(columns=columns, table_key=self.table_key(), bulk_form=bulk_form,
                                        can_tag=has_role(self.request.user, Role.COE_ADMIN), **kwargs)


class DlpStatusMixin:
    """Annotate each row's status under the live DLP policies (one scalar subquery, not a query per row)."""

    def get_queryset(self):
        from dlp.services.lookup import impact_runs, item_status

        return item_status(super().get_queryset(), impact_runs(self.request))


class AppListView(DlpStatusMixin, ColumnsMixin, ObjectListView):
    queryset = App.objects.all()
    table_class = tables.AppTable
    filterset_class = filtersets.AppFilterSet
    required_roles = BROWSERS
    title = "Apps"
    template_name = "inventory/item_list.html"
    htmx_template_name = "inventory/inc/item_results.html"


class FlowListView(DlpStatusMixin, ColumnsMixin, ObjectListView):
    queryset = Flow.objects.all()
    table_class = tables.FlowTable
    filterset_class = filtersets.FlowFilterSet
    required_roles = BROWSERS
    title = "Flows"
    template_name = "inventory/item_list.html"
    htmx_template_name = "inventory/inc/item_results.html"


class BotListView(ObjectListView):
    queryset = Bot.objects.select_related("environment", "owner")
    table_class = tables.BotTable
    filterset_class = filtersets.BotFilterSet
    required_roles = BROWSERS
    title = "Copilot Studio agents"


class PagesSiteListView(ObjectListView):
    queryset = PagesSite.objects.select_related("environment", "owner")
    table_class = tables.PagesSiteTable
    filterset_class = filtersets.PagesSiteFilterSet
    required_roles = BROWSERS
    title = "Power Pages sites"


SUGGESTIONS = 12


@role_required(*BROWSERS)
def connector_suggest(request):
    """HTMX: connectors whose display name (or id) holds what was typed in a list's connector filter."""
    typed = request.GET.get("connector", "").strip()[:100]
    connectors = Connector.objects.none()
    if len(typed) >= 2:
        connectors = (Connector.objects.filter(Q(display_name__icontains=typed) | Q(connector_id__icontains=typed))
                      .order_by("display_name", "connector_id")[:SUGGESTIONS])
    return render(request, "inventory/inc/connector_suggestions.html", {"typed": typed, "connectors": connectors})


@require_POST
@role_required(Role.COE_ADMIN, Role.MANAGER)
def save_columns(request, table):
    """Remember which columns of list `table` this user sees; back to the list with its filters."""
    if table not in TABLES:
        raise Http404
    allowed = {name for name, _ in chooseable_columns(TABLES[table])}
    columns = [name for name in request.POST.getlist("columns") if name in allowed]
    TablePreference.objects.update_or_create(user=request.user, table=table, defaults={"columns": columns})
    query = request.POST.get("query", "")
    return redirect(reverse(f"inventory:{table}-list") + (f"?{query}" if query else ""))


def visible_items(request, model):
    """Admins and managers see every item; a maker only the ones they own (others are 404)."""
    return model.objects.visible_to(request.user).select_related("environment")


def item_detail(request, model, pk):
    item = get_object_or_404(visible_items(request, model).select_related(model.owner_field), pk=pk)
    context = item_page_context(request, item)
    if request.GET.get("part") == "cases":
        return render(request, "inventory/inc/item_live.html", context)
    return render(request, "inventory/item_detail.html", context)


def item_page_context(request, item, start_form=None):
    """What the item page shows; its clean-up, facts and history parts are also re-rendered in place (HTMX)."""
    model = type(item)
    history = AuditEntry.objects.filter(object_type=ContentType.objects.get_for_model(model), object_id=str(item.pk))
    owner = getattr(item, model.owner_field)
    is_you = owner is not None and has_role(request.user, Role.MAKER) and owner.is_user(request.user)
    context = {"item": item, "kind": model._meta.verbose_name, "owner": owner, "owner_is_you": is_you,
               "usages": item.usages.select_related("connector").order_by("connector__display_name"),
               "tags": item.tags.all(), "history": history[:100], "title": item.display_name,
               "is_admin": has_role(request.user, Role.COE_ADMIN),
               "cases": list(item.cases.select_related("job").prefetch_related("backups")),
               "item_kind": model._meta.model_name}
    triage = TriageSettings.load()
    context["inactive_days"] = triage.inactive_days
    context["usage_state"], context["usage_words"] = item.usage_status(context["inactive_days"])
    newest = context["cases"][0] if context["cases"] else None
    context["progress"] = _item_job_progress(newest) if context["is_admin"] else None
    # While a step runs the cases poll themselves, so the owner's answer shows once the item is held.
    context["polling"] = newest is not None and newest.is_working and not newest.is_abandoned
    context["open_case"] = any(case.is_open for case in context["cases"])
    if context["is_admin"]:
        context["start_form"] = start_form or CleanupStartForm(auto_id="cleanup_%s", triage=triage)
    return context


def _item_job_progress(newest):
    """The progress card of the newest case when it was started from this page (a job of its own)."""
    return job_context(newest.job) if newest and newest.job and newest.job.kind == ITEM_KIND else None


@role_required(Role.COE_ADMIN, Role.MANAGER, Role.MAKER)
def app_detail(request, pk):
    return item_detail(request, App, pk)


@role_required(Role.COE_ADMIN, Role.MANAGER, Role.MAKER)
def flow_detail(request, pk):
    return item_detail(request, Flow, pk)
