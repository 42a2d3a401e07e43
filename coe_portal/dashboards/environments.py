"""Progress by environment: items left per environment, the largest few and the rest as "Other".

Read from the snapshots' breakdowns of two days only, the period's first and its last, for the
departments the dashboard shows; so the department and period filters apply as to every chart.
"""

from inventory.models import Environment

from .charts import BarChart
from .figures import _chart, breakdown_totals
from .snapshots import OTHER

__all__ = ["TOP_ENVIRONMENTS", "environment_chart"]

TOP_ENVIRONMENTS = 10
KEY = "left_by_environment"


def _names(keys):
    ids = [int(key) for key in keys if key.isdigit()]
    names = dict(Environment.objects.filter(pk__in=ids).values_list("pk", "display_name"))
    return {key: names.get(int(key), f"Environment {key}") if key.isdigit() else "Other environments"
            for key in keys}


def rows_by_environment(departments, first_day, last_day):
    """[[environment, left now, left on the first day, change]]: the top environments, then "Other"."""
    left = breakdown_totals(KEY, {first_day, last_day}, departments)
    now, then = left[last_day], left[first_day]
    names = _names([*now, OTHER])
    ranked = sorted((key for key in now if key != OTHER), key=lambda key: (-now[key], names[key]))
    top, rest = ranked[:TOP_ENVIRONMENTS], ranked[TOP_ENVIRONMENTS:]
    rows = [[names[key], now[key], then.get(key, 0)] for key in top]
    other_now = sum(now[key] for key in rest) + now.get(OTHER, 0)
    other_then = sum(then.values()) - sum(then.get(key, 0) for key in top)
    if other_now or other_then:
        rows.append([names[OTHER], other_now, other_then])
    return [[*row, row[1] - row[2]] for row in rows]


def environment_chart(departments, days):
    """The chart dict (as figures._chart makes) for the dashboard's departments and snapshot days."""
    rows = rows_by_environment(departments, days[0], days[-1]) if days else []
    header = ["Environment", "Items left", f"On {days[0]:%d %b %Y}" if days else "At the start", "Change"]
    bars = [(row[0], row[1]) for row in rows]
    return _chart("environments", "Progress by environment", header, rows, BarChart(bars) if bars else None,
                  caption=f"Bars: apps and flows left in each environment; the {TOP_ENVIRONMENTS} largest, "
                          "then the rest together")
