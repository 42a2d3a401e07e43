"""Take the day's snapshot: every registered metric per department, every tenant fact."""

from django.db import transaction
from django.utils import timezone

from .metrics import BREAKDOWNS, FACTS, METRICS
from .models import Snapshot

__all__ = ["BREAKDOWN_KEEP", "OTHER", "take_snapshot"]

BREAKDOWN_KEEP = 25  # parts kept per department and day; the rest is summed under OTHER
OTHER = "other"


def _largest(parts, keep):
    ranked = sorted(parts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    kept = {str(part): count for part, count in ranked[:keep]}
    rest = sum(count for _, count in ranked[keep:])
    return {**kept, OTHER: rest} if rest else kept


def _breakdowns():
    """{department: {breakdown key: {part: number}}} of every registered breakdown."""
    out = {}
    for breakdown in BREAKDOWNS.values():
        for department, parts in breakdown.count().items():
            out.setdefault(department, {})[breakdown.key] = _largest(parts, breakdown.keep or BREAKDOWN_KEEP)
    return out


def take_snapshot(day=None):
    """Write (or rewrite) the snapshot rows of `day` (default today); return how many rows."""
    day = day or timezone.localdate()
    per_department = {}
    for metric in METRICS.values():
        for department, count in metric.count().items():
            per_department.setdefault(department, {})[metric.key] = count
    tenant = {fact.key: fact.count() for fact in FACTS.values()}
    breakdowns = _breakdowns()
    for department in breakdowns:
        per_department.setdefault(department, {})
    now = timezone.now()
    rows = [Snapshot(day=day, department=department, figures=figures, taken_at=now,
                     breakdowns=breakdowns.get(department, {}))
            for department, figures in per_department.items()]
    rows.append(Snapshot(day=day, department=None, figures=tenant, taken_at=now))
    with transaction.atomic():
        # Departments that emptied since the last snapshot of the day must not keep old figures.
        Snapshot.objects.filter(day=day).exclude(department__in=list(per_department)).exclude(
            department__isnull=True).delete()
        Snapshot.objects.bulk_create(rows, update_conflicts=True, unique_fields=["day", "department"],
                                     update_fields=["figures", "breakdowns", "taken_at"])
    return len(rows)
