"""What a manager's home shows of their departments: progress now, how fresh it is, and what blocks it.

Shared by the home page's tag (templatetags/progress_home.py) and the view that re-renders those cards
after a refresh, so both draw the same figures.
"""

from django.urls import reverse
from django.utils.http import urlencode

from .blockers import ordered
from .charts import LineChart
from .figures import Dashboard
from .freshness import latest_taken, refresh_pending
from .metrics import LINKED
from .render import line_svg
from .scope import departments_for
from .trend import when_label

__all__ = ["blocker_rows", "freshness", "home_cards"]


def freshness(taken, region_url, page_url):
    """The context of dashboards/inc/freshness.html: when the figures were taken, and whether a refresh runs."""
    return {"taken": taken, "pending": refresh_pending(taken), "region_url": region_url, "page_url": page_url}


def blocker_rows(departments, department=None):
    """[(label, number, url of its list)] of every registered blocker, over `departments` (None: all)."""
    # "-" is the form's name for "no department", as on the dashboard's filter.
    query = f"?{urlencode({'department': department or '-'})}" if department is not None else ""
    return [(blocker.label, blocker.number(departments), reverse("dashboards:blocker", args=[blocker.key]) + query)
            for blocker in ordered()]


def _trend(left):
    """What is left, first and now (with when), and its line: a point per day, and per snapshot of the last days."""
    if not left:
        return None
    (first, first_left), (last, last_left) = left[0], left[-1]
    title = "Items left in the default environment"
    return {"first": (when_label(first), first_left), "last": (when_label(last), last_left),
            "single": (when_label(first), first_left) == (when_label(last), last_left),
            "svg": line_svg(LineChart({"Left": left}, height=120, pad=24), title) if len(left) > 1 else ""}


def home_cards(user):
    """The manager's progress card (figures in numbers and percent, the trend, the live figures) and blockers."""
    departments = departments_for(user)
    board = Dashboard(departments, days=30)
    inventoried = board.total("inventoried")
    stages = [(label, number, round(100 * number / inventoried) if inventoried else None)
              for label, number in board.funnel()]
    left = board.series("remaining") if board.days else []
    linked = [row for figures in LINKED.values() for row in figures(departments)]
    scoped = departments is None or bool(departments)
    return {"stages": stages, "inventoried": inventoried, "trend": _trend(left), "linked": linked,
            "departments": sorted(departments) if departments is not None else None,
            "blockers": blocker_rows(departments) if scoped else [],
            **freshness(latest_taken(), reverse("dashboards:home-cards"), reverse("home"))}
