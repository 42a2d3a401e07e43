"""Progress by environment: items per environment, the largest few and the rest as "Other".

Only the default environment's items are left to move; those in any other environment have moved
(or were made there), so each row says which it counts as.

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


LEFT, MOVED = "Left (default environment)", "Moved"


def _names(keys):
    """({key: name}, keys of default environments)."""
    ids = [int(key) for key in keys if key.isdigit()]
    found = {pk: (name, default) for pk, name, default in
             Environment.objects.filter(pk__in=ids).values_list("pk", "display_name", "is_default")}
    names = {key: found.get(int(key), (f"Environment {key}",))[0] if key.isdigit() else "Other environments"
             for key in keys}
    return names, {str(pk) for pk, (_, default) in found.items() if default}


def rows_by_environment(departments, first_day, last_day):
    """[[environment, items now, on the first day, change, left or moved]]: the top environments, then "Other".

    The default environment is always a row of its own: its items are the ones left.
    """
    counts = breakdown_totals(KEY, {first_day, last_day}, departments)
    now, then = counts[last_day], counts[first_day]
    names, defaults = _names([*now, OTHER])
    ranked = sorted((key for key in now if key != OTHER), key=lambda key: (key not in defaults, -now[key], names[key]))
    top, rest = ranked[:TOP_ENVIRONMENTS], ranked[TOP_ENVIRONMENTS:]
    top.sort(key=lambda key: (-now[key], names[key]))
    rows = [[names[key], now[key], then.get(key, 0), LEFT if key in defaults else MOVED] for key in top]
    other_now = sum(now[key] for key in rest) + now.get(OTHER, 0)
    other_then = sum(then.values()) - sum(then.get(key, 0) for key in top)
    if other_now or other_then:
        rows.append([names[OTHER], other_now, other_then, MOVED])
    return [[name, items, before, items - before, counts_as] for name, items, before, counts_as in rows]


def environment_chart(departments, days):
    """The chart dict (as figures._chart makes) for the dashboard's departments and snapshot days."""
    rows = rows_by_environment(departments, days[0], days[-1]) if days else []
    header = ["Environment", "Items", f"On {days[0]:%d %b %Y}" if days else "At the start", "Change", "Counts as"]
    bars = [(row[0], row[1]) for row in rows]
    return _chart("environments", "Progress by environment", header, rows, BarChart(bars) if bars else None,
                  caption=f"Bars: apps and flows in each environment, the {TOP_ENVIRONMENTS} largest, then the rest "
                          "together. Only those in the default environment are left to move; the others have moved")
