from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.generic import ObjectListView
from coe_portal.core.permissions import role_required

from . import filtersets, tables
from .choices import SyncKind
from .forms import ImportForm
from .models import Connector, Environment, Maker, SyncRun
from .services import sync
from .services.csv_import import CsvImportError, import_csv

BROWSERS = (Role.COE_ADMIN, Role.MANAGER)
USAGE_KINDS = (SyncKind.USAGE_AUDIT, SyncKind.USAGE_RUNS)


class EnvironmentListView(ObjectListView):
    queryset = Environment.objects.all()
    table_class = tables.EnvironmentTable
    filterset_class = filtersets.EnvironmentFilterSet
    required_roles = BROWSERS
    title = "Environments"


class MakerListView(ObjectListView):
    queryset = Maker.objects.all()
    table_class = tables.MakerTable
    filterset_class = filtersets.MakerFilterSet
    required_roles = BROWSERS
    title = "Makers"


class ConnectorListView(ObjectListView):
    queryset = Connector.objects.all()
    table_class = tables.ConnectorTable
    filterset_class = filtersets.ConnectorFilterSet
    required_roles = BROWSERS
    title = "Connectors"


class SyncRunListView(ObjectListView):
    queryset = SyncRun.objects.all()
    table_class = tables.SyncRunTable
    filterset_class = filtersets.SyncRunFilterSet
    required_roles = (Role.COE_ADMIN,)
    title = "Inventory sync"
    template_name = "inventory/sync_list.html"

    def get_context_data(self, **kwargs):
        running = {run.kind: run for run in SyncRun.objects.filter(status="running")}
        inventory = running.get(SyncKind.FULL) or running.get(SyncKind.INCREMENTAL)
        usage = [(kind, SyncKind(kind).label.removeprefix("Usage: "), running.get(kind)) for kind in USAGE_KINDS]
        return super().get_context_data(running=inventory, usage_kinds=usage, **kwargs)


@role_required(Role.COE_ADMIN)
def sync_run_detail(request, pk):
    run = get_object_or_404(SyncRun, pk=pk)
    template = "inventory/inc/sync_progress.html" if request.htmx else "inventory/sync_run.html"
    return render(request, template, {"run": run})


@require_POST
@role_required(Role.COE_ADMIN)
def sync_start(request):
    """Start an inventory sync (incremental unless asked for a full one) or a usage sync of either kind."""
    asked = request.POST.get("kind")
    kind = asked if asked in (SyncKind.FULL, *USAGE_KINDS) else SyncKind.INCREMENTAL
    with transaction.atomic():
        run = sync.start_sync(kind, user=request.user)
        audit.record(request, "sync.start", obj=run, kind=run.kind)
    return redirect("inventory:sync-run", pk=run.pk)


@role_required(Role.COE_ADMIN)
def import_file(request):
    """Import a CoE Starter Kit or DLP editor CSV; a bad file is refused whole, naming line and column."""
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_csv(upload, filename=upload.name)
        except CsvImportError as exc:
            form.add_error("file", f"{upload.name} was not imported: {exc}")
            audit.record(request, "inventory.import_refused", file=upload.name, error=str(exc))
        else:
            audit.record(request, "inventory.import", file=upload.name, format=result.format, counts=result.counts)
            messages.success(request, f"Imported {result.summary()}")
            return redirect("inventory:import")
    return render(request, "inventory/import.html", {"form": form, "title": "Import inventory data"})
