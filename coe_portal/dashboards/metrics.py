"""The figures dashboards chart, contributed by each app's `metrics.py` through `register`.

A metric counts items of the default environment per owner department; a tenant fact is one
number for the whole tenant (a capacity, a count of environments). Snapshots store both daily.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count

__all__ = ["BREAKDOWNS", "FACTS", "LINKED", "METRICS", "Metric", "by_department", "register", "register_breakdown",
           "register_fact", "register_linked"]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    order: int
    count: Callable[[], dict]
    keep: int | None = None  # breakdowns: parts kept per department (None: snapshots.BREAKDOWN_KEEP)
    names: Callable[[list], dict] | None = None  # breakdowns: {part: label} for the parts given


METRICS: dict[str, Metric] = {}
FACTS: dict[str, Metric] = {}
BREAKDOWNS: dict[str, Metric] = {}
LINKED: dict[str, Callable] = {}


def register(key, label, order, count):
    """Add a per-department metric: `count()` returns {department: number}."""
    METRICS[key] = Metric(key, label, order, count)


def register_fact(key, label, count):
    """Add a tenant-wide fact: `count()` returns a number (or None when unknown)."""
    FACTS[key] = Metric(key, label, len(FACTS), count)


def register_breakdown(key, label, count, keep=None, names=None):
    """Add a per-department count split by something else (an environment, a wave).

    `count()` returns {department: {part: number}}; snapshots keep each department's largest
    `keep` parts (default snapshots.BREAKDOWN_KEEP) and the sum of the rest under "other".
    `names(parts)` returns the label of each part, for charts.
    """
    BREAKDOWNS[key] = Metric(key, label, len(BREAKDOWNS), count, keep, names)


def register_linked(key, figures):
    """Add figures counted from the live inventory, each a link to the filtered list it counts.

    `figures(departments)` (None: every department) returns [(label, number, url of the list)].
    Not snapshotted: the dashboard counts them when shown and keeps them for cached.TIMEOUT.
    """
    LINKED[key] = figures


def by_department(*querysets_and_fields):
    """Sum item counts per owner department over (queryset, owner field) pairs, in SQL."""
    totals = Counter()
    for queryset, owner in querysets_and_fields:
        field = f"{owner}__department"
        for row in queryset.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n"):
            totals[row[0] or ""] += row[1]
    return dict(totals)

