from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.export import csv_response
from coe_portal.core.permissions import role_required

from . import tasks
from .cached import CachedBoard, charts_of
from .figures import NO_DEPARTMENT
from .scope import departments_for

PERIODS = [("30", "Last 30 days"), ("90", "Last 90 days"), ("365", "Last year")]


class DashboardFilterForm(forms.Form):
    department = forms.ChoiceField(required=False, label="Department")
    period = forms.ChoiceField(choices=PERIODS, required=False, label="Period")

    def __init__(self, data, departments):
        super().__init__(data)
        # Items whose owner has no department are stored under "", which the form calls "-".
        self.fields["department"].choices = [("", "All my departments")] + [(d or "-", d or NO_DEPARTMENT)
                                                                             for d in departments]


@role_required(Role.COE_ADMIN, Role.MANAGER)
def dashboard(request):
    """The progress dashboard: charts, their tables and CSVs, for the user's departments."""
    allowed = departments_for(request.user)
    data = request.GET.copy()
    data.setdefault("period", "90")
    cached = CachedBoard()
    form = DashboardFilterForm(data, cached.departments(allowed))
    chosen = form.cleaned_data if form.is_valid() else {}
    departments = allowed
    if chosen.get("department"):
        departments = {"" if chosen["department"] == "-" else chosen["department"]}
    period = int(chosen.get("period") or 90)
    if export := request.GET.get("export"):
        charts, _ = charts_of(departments, period)
        chart = next((chart for chart in charts if chart["key"] == export), None)
        if chart is None:
            raise Http404("No such chart")
        return csv_response([chart["header"], *chart["rows"]], f"{chart['key']}.csv")
    charts_html, latest_day = cached.charts_html(departments, period, request.GET.urlencode())
    context = {"form": form, "charts_html": charts_html, "latest_day": latest_day,
               "no_departments": allowed is not None and not allowed, "title": "Progress",
               "linked": cached.linked(departments) if departments is None or departments else []}
    return render(request, "dashboards/dashboard.html", context)


@require_POST
@role_required(Role.COE_ADMIN)
def refresh(request):
    with transaction.atomic():
        audit.record(request, "dashboard.refresh")
        transaction.on_commit(tasks.take_daily_snapshot.delay)
    messages.info(request, "Today's figures are being recomputed; reload in a moment.")
    return redirect("dashboards:dashboard")
