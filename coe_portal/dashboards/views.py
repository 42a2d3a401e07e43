from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.export import csv_response
from coe_portal.core.permissions import role_required
from coe_portal.core.redirects import safe_next

from . import tasks
from .cached import CachedBoard, charts_of
from .figures import NO_DEPARTMENT
from .freshness import ask_refresh
from .home import blocker_rows, freshness, home_cards
from .scope import departments_for

PERIODS = [("30", "Last 30 days"), ("90", "Last 90 days"), ("365", "Last year")]
VIEWERS = (Role.COE_ADMIN, Role.MANAGER)


class DashboardFilterForm(forms.Form):
    department = forms.ChoiceField(required=False, label="Department")
    period = forms.ChoiceField(choices=PERIODS, required=False, label="Period")

    def __init__(self, data, departments):
        super().__init__(data)
        # Items whose owner has no department are stored under "", which the form calls "-".
        self.fields["department"].choices = [("", "All my departments")] + [(d or "-", d or NO_DEPARTMENT)
                                                                             for d in departments]


@role_required(*VIEWERS)
def dashboard(request):
    """The progress dashboard: charts, their tables and CSVs, for the user's departments.

    `?part=board` answers the figures alone (what the page re-fetches after "Refresh figures").
    """
    allowed = departments_for(request.user)
    data = request.GET.copy()
    data.setdefault("period", "90")
    cached = CachedBoard()
    form = DashboardFilterForm(data, cached.departments(allowed))
    chosen = form.cleaned_data if form.is_valid() else {}
    departments, department = allowed, None
    if chosen.get("department"):
        department = "" if chosen["department"] == "-" else chosen["department"]
        departments = {department}
    period = int(chosen.get("period") or 90)
    if export := request.GET.get("export"):
        charts, _ = charts_of(departments, period)
        chart = next((chart for chart in charts if chart["key"] == export), None)
        if chart is None:
            raise Http404("No such chart")
        return csv_response([chart["header"], *chart["rows"]], f"{chart['key']}.csv")
    query = request.GET.copy()
    query.pop("part", None)
    charts_html, latest_day = cached.charts_html(departments, period, query.urlencode())
    scoped = allowed is None or bool(allowed)
    board_url = f"{reverse('dashboards:dashboard')}?{query.urlencode()}{'&' if query else ''}part=board"
    context = {"form": form, "charts_html": charts_html, "latest_day": latest_day,
               "no_departments": not scoped, "title": "Progress",
               "linked": cached.linked(departments) if scoped else [],
               "blockers": blocker_rows(departments, department) if scoped else [],
               **freshness(cached.stamp, board_url, request.get_full_path())}
    if request.GET.get("part") == "board":
        return render(request, "dashboards/inc/board.html", context)
    return render(request, "dashboards/dashboard.html", context)


@role_required(*VIEWERS)
def manager_home_cards(request):
    """A manager's home cards alone: what the home page re-fetches after "Refresh figures"."""
    context = {**home_cards(request.user), "request": request}
    return render(request, "dashboards/inc/home_progress.html", context)


@require_POST
@role_required(*VIEWERS)
def refresh(request):
    """Recompute the figures now, at most once per DASHBOARD_REFRESH_SECONDS per person; audited."""
    back = safe_next(request, request.POST.get("next"), "dashboards:dashboard")
    with transaction.atomic():
        wait = ask_refresh(request.user, lambda: transaction.on_commit(tasks.take_daily_snapshot.delay))
        if wait:
            later = f"{-(-wait // 60)} min" if wait >= 60 else f"{wait} s"
            messages.error(request, f"You refreshed the figures a short while ago: you can again in {later}. "
                                    "They are also retaken by themselves within a minute of each change.")
        else:
            departments = departments_for(request.user)
            audit.record(request, "dashboard.refresh", departments=sorted(departments) if departments is not None
                         else "all")
            messages.info(request, "The figures are being recomputed; they appear in a moment.")
    if request.htmx:
        # The cards that show figures re-fetch themselves (and poll while the snapshot is taken).
        return HttpResponse(status=204, headers={"HX-Trigger": "figures-refresh"})
    return redirect(back)
