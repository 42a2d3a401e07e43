"""What blocks progress: each app registers its blockers in its own `blockers.py`; the dashboards show them.

A blocker is a count of things that hold items back (a request waiting for its maker, a failed step,
an unanswered message), and the list behind the count. Both are limited to departments: a
manager's, or every department (None) for a CoE admin.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Q, QuerySet, Subquery

from .models import Snapshot

__all__ = ["BLOCKERS", "Blocker", "Link", "department_q", "ordered", "register_blocker", "snapshot_total"]


class Link(NamedTuple):
    """A cell shown as a link on the page and as its text in the CSV."""

    text: str
    url: str

    def __str__(self):
        return self.text


@dataclass(frozen=True)
class Blocker:
    key: str
    label: str
    explanation: str
    order: int
    header: list
    rows: Callable  # rows(departments) -> a QuerySet or a sequence (len, slices) of objects
    cells: Callable  # cells(obj) -> [value or Link], one per header column
    metric: str = ""  # counted from the latest snapshot's metric of this key, not from the rows
    admin_url: str = ""  # where a CoE admin acts on them (the filtered queue), if anywhere

    def number(self, departments):
        """How many, now (or at the latest snapshot, for a `metric`)."""
        if self.metric:
            return snapshot_total(self.metric, departments)
        rows = self.rows(departments)
        return rows.count() if isinstance(rows, QuerySet) else len(rows)


BLOCKERS: dict[str, Blocker] = {}


def register_blocker(key, label, explanation, order, header, rows, cells, metric="", admin_url=""):
    """Add a blocker; `rows(departments)` takes a set of departments, or None for all."""
    BLOCKERS[key] = Blocker(key, label, explanation, order, list(header), rows, cells, metric, admin_url)


def snapshot_total(key, departments):
    """Metric `key` on the latest snapshot day, summed over `departments` (None: all)."""
    rows = Snapshot.objects.filter(department__isnull=False)
    if departments is not None:
        rows = rows.filter(department__in=departments)
    latest = Snapshot.objects.order_by("-day").values("day")[:1]  # the newest snapshot: a department absent had none
    numbers = rows.filter(day=Subquery(latest)).values_list(f"figures__{key}", flat=True)
    return sum(number or 0 for number in numbers)


def department_q(departments, *fields):
    """Q matching rows whose department (any of `fields`, e.g. "owner__department") is in `departments` (None: all)."""
    if departments is None:
        return Q()
    match = Q(pk__in=[])
    for field in fields:
        match |= Q(**{f"{field}__in": departments})
    return match


def ordered():
    return sorted(BLOCKERS.values(), key=lambda blocker: blocker.order)
