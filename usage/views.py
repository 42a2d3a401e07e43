"""Usage pages: fragments the inventory's pages load with HTMX (the inventory never imports this app)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from coe_portal.core.choices import Role
from coe_portal.core.permissions import role_required
from coe_portal.dashboards.charts import LineChart
from coe_portal.dashboards.render import line_svg, table_html
from inventory.models import App, Flow

from .models import UsageSource
from .services import daily

MODELS = {"app": App, "flow": Flow}


@role_required(Role.COE_ADMIN, Role.MANAGER, Role.MAKER)
def item_usage(request, kind, pk):
    """An app's launches or a flow's runs per day over 90 days, as a chart and a table, and its sources."""
    if kind not in MODELS:
        raise Http404
    item = get_object_or_404(MODELS[kind].objects.visible_to(request.user).select_related("environment"), pk=pk)
    figures = daily.app_days(item) if kind == "app" else daily.flow_days(item)
    title = f"{'Launches' if kind == 'app' else 'Runs and failed runs'} per day, last {daily.DAYS} days"
    context = {"item": item, "kind": kind, "figures": figures, "title": title, "days": daily.DAYS,
               "svg": line_svg(LineChart(figures.series()), title),
               "table": table_html(figures.header, reversed(figures.rows)),
               "sources": daily.sources_for(item), "advisor": daily.advisor_for(item) if kind == "app" else []}
    return render(request, "usage/inc/item_usage.html", context)


@role_required(Role.COE_ADMIN)
def sources(request):
    """Every usage source with its state, coverage, last success and last error (the Sync page's panel)."""
    return render(request, "usage/inc/sources.html", {"sources": UsageSource.objects.all()})
