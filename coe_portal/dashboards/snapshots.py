"""Take the day's snapshot: every registered metric per department, every tenant fact."""

from django.db import transaction
from django.utils import timezone

from .metrics import FACTS, METRICS
from .models import Snapshot

__all__ = ["take_snapshot"]


def take_snapshot(day=None):
    """Write (or rewrite) the snapshot rows of `day` (default today); return how many rows."""
    day = day or timezone.localdate()
    per_department = {}
    for metric in METRICS.values():
        for department, count in metric.count().items():
            per_department.setdefault(department, {})[metric.key] = count
    tenant = {fact.key: fact.count() for fact in FACTS.values()}
    now = timezone.now()
    rows = [Snapshot(day=day, department=department, figures=figures, taken_at=now)
            for department, figures in per_department.items()]
    rows.append(Snapshot(day=day, department=None, figures=tenant, taken_at=now))
    with transaction.atomic():
        # Departments that emptied since the last snapshot of the day must not keep old figures.
        Snapshot.objects.filter(day=day).exclude(department__in=list(per_department)).exclude(
            department__isnull=True).delete()
        Snapshot.objects.bulk_create(rows, update_conflicts=True, unique_fields=["day", "department"],
                                     update_fields=["figures", "taken_at"])
    return len(rows)
