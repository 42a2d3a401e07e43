"""Clean-up never takes an item in use by accident: the items of a clean-up used within the inactive period.

A bulk quarantine/stop or a delete batch that includes one is refused until an admin ticks the
override and writes a reason (audited with the job). A job started without the override leaves
out, when it opens its cases, any item used since it was asked for, and says so in its log.
"""

from dataclasses import dataclass, field

from ..models import TriageSettings

__all__ = ["SHOWN", "InUse", "in_use", "leave_out_used", "refusal"]

SHOWN = 200


@dataclass(frozen=True)
class InUse:
    """The chosen items used within `days` days: how many, and the first SHOWN as (kind, item)."""

    days: int
    count: int = 0
    items: list = field(default_factory=list)

    def __bool__(self):
        return self.count > 0


def in_use(selected, days=None):
    """The items of `selected` ({kind: queryset}, as cleanup_jobs.selected gives) used within `days` days."""
    days = days or TriageSettings.load().inactive_days
    count, items = 0, []
    for kind, queryset in selected.items():
        used = queryset.used_within(days)
        count += used.count()
        last_used = queryset.model.last_used_field
        items += [(kind, item) for item in used.order_by(f"-{last_used}", "pk")[:SHOWN - len(items)]]
    return InUse(days, count, items)


def refusal(usage, override, reason, outcome="Nothing was done"):
    """Why a clean-up including items in use may not go ahead; "" when nothing is in use or the override is given."""
    if not usage:
        return ""
    verb = "was" if usage.count == 1 else "were"
    used = f"{outcome}: {usage.count} of the chosen items {verb} used in the last {usage.days} days"
    if not override:
        return f"{used}. Tick “Clean up the items in use too” and give a reason to go ahead."
    if not reason.strip():
        return f"{used}. Give the reason for cleaning up items in use."
    return ""


def leave_out_used(queryset, days=None):
    """(the items of `queryset` not used within `days` days, how many were left out)."""
    days = days or TriageSettings.load().inactive_days
    used = queryset.used_within(days)
    count = used.count()
    return (queryset.exclude(pk__in=used.values("pk")) if count else queryset), count
