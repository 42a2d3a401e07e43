from django import forms
from django.contrib import messages
from django.db import connection, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.export import csv_response
from coe_portal.core.permissions import role_required

from . import tasks
from .environments import environment_chart
from .figures import NO_DEPARTMENT, Dashboard
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


# Every department with a snapshot, one index probe per department (a year of history holds a
# row per department per day: DISTINCT over them all cost more than the rest of the page).
DEPARTMENTS_SQL = """
WITH RECURSIVE known(department) AS (
    SELECT min(department) FROM dashboards_snapshot WHERE department IS NOT NULL
    UNION ALL
    SELECT (SELECT min(department) FROM dashboards_snapshot WHERE department > known.department)
    FROM known WHERE known.department IS NOT NULL
)
SELECT department FROM known WHERE department IS NOT NULL
"""


def _visible_departments(allowed):
    with connection.cursor() as cursor:
        cursor.execute(DEPARTMENTS_SQL)
        known = [row[0] for row in cursor.fetchall()]
    return sorted(d for d in known if allowed is None or d in allowed)


@role_required(Role.COE_ADMIN, Role.MANAGER)
def dashboard(request):
    """The progress dashboard: charts, their tables and CSVs, for the user's departments."""
    allowed = departments_for(request.user)
    data = request.GET.copy()
    data.setdefault("period", "90")
    form = DashboardFilterForm(data, _visible_departments(allowed))
    chosen = form.cleaned_data if form.is_valid() else {}
    departments = allowed
    if chosen.get("department"):
        departments = {"" if chosen["department"] == "-" else chosen["department"]}
    board = Dashboard(departments, days=int(chosen.get("period") or 90))
    charts = board.charts()
    at = next((i + 1 for i, chart in enumerate(charts) if chart["key"] == "departments"), len(charts))
    charts.insert(at, environment_chart(departments, board.days))
    if export := request.GET.get("export"):
        chart = next((chart for chart in charts if chart["key"] == export), None)
        if chart is None:
            raise Http404("No such chart")
        return csv_response([chart["header"], *chart["rows"]], f"{chart['key']}.csv")
    context = {"form": form, "charts": charts, "latest_day": board.days[-1] if board.days else None,
               "no_departments": allowed is not None and not allowed, "title": "Progress"}
    return render(request, "dashboards/dashboard.html", context)


@require_POST
@role_required(Role.COE_ADMIN)
def refresh(request):
    with transaction.atomic():
        audit.record(request, "dashboard.refresh")
        transaction.on_commit(tasks.take_daily_snapshot.delay)
    messages.info(request, "Today's figures are being recomputed; reload in a moment.")
    return redirect("dashboards:dashboard")
