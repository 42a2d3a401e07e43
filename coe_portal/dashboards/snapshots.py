"""Take the day's snapshot: every registered metric per department, every tenant fact."""

from django.db import transaction
from django.utils import timezone

from .metrics import BREAKDOWNS, FACTS, METRICS
from .models import Snapshot
from .trend import add_points, cutoff

__all__ = ["BREAKDOWN_KEEP", "CHARTED", "OTHER", "take_snapshot"]

BREAKDOWN_KEEP = 25  # parts kept per department and day; the rest is summed under OTHER
OTHER = "other"
CHARTED = ("remaining", "dlp_exposed")  # the figures charted over time, kept point by point within a day


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
    points = _points(day, per_department, now)
    rows = [Snapshot(day=day, department=department, figures=figures, taken_at=now,
                     breakdowns=breakdowns.get(department, {}), points=points.get(department, []))
            for department, figures in per_department.items()]
    rows.append(Snapshot(day=day, department=None, figures=tenant, taken_at=now))
    with transaction.atomic():
        # Departments that emptied since the last snapshot of the day must not keep old figures.
        Snapshot.objects.filter(day=day).exclude(department__in=list(per_department)).exclude(
            department__isnull=True).delete()
        Snapshot.objects.bulk_create(rows, update_conflicts=True, unique_fields=["day", "department"],
                                     update_fields=["figures", "breakdowns", "taken_at", "points"])
        Snapshot.objects.filter(day__lt=cutoff()).exclude(points=[]).update(points=[])
    return len(rows)


def _points(day, per_department, now):
    """{department: the day's points with this retake's}; only today's retakes are points (a past day's is
    a correction of that day, not a moment of it)."""
    if day != timezone.localdate():
        return {}
    before = dict(Snapshot.objects.filter(day=day, department__isnull=False).values_list("department", "points"))
    return {department: add_points(before.get(department) or [], {key: figures.get(key, 0) for key in CHARTED},
                                   now)
            for department, figures in per_department.items()}
