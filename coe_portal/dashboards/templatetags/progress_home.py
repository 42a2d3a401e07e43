"""`{% manager_progress user %}`: the home card of a manager: progress of their departments now, in
percentages of what was inventoried, when the figures were taken, the trend of what is left, and the live figures
each a link to its rows."""

from django import template
from django.db.models import Max

from ..figures import Dashboard
from ..metrics import LINKED
from ..models import Snapshot
from ..scope import departments_for

register = template.Library()


@register.inclusion_tag("dashboards/inc/home_progress.html")
def manager_progress(user):
    departments = departments_for(user)
    board = Dashboard(departments, days=30)
    inventoried = board.total("inventoried")
    stages = [(label, number, round(100 * number / inventoried) if inventoried else None)
              for label, number in board.funnel()]
    left = board.series("remaining") if board.days else []
    taken = Snapshot.objects.filter(department__isnull=False).aggregate(at=Max("taken_at"))["at"]
    linked = [row for figures in LINKED.values() for row in figures(departments)]
    return {"stages": stages, "inventoried": inventoried, "taken": taken, "first": left[0] if left else None,
            "last": left[-1] if left else None, "linked": linked,
            "departments": sorted(departments) if departments is not None else None}
