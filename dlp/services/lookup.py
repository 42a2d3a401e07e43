"""DLP impact for the inventory lists: which apps and flows the newest computed runs find broken, in SQL.

The lists filter with EXISTS over ImpactItem and show a status column through a scalar
subquery; both match rows on (run, COALESCE(app_id, -flow_id)), the expression of the result
table's index, so a page costs one index probe per row shown and no query per row.
"""

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Value

from ..choices import Change, ItemStatus
from ..models import ImpactItem, ImpactRun

__all__ = ["ImpactRuns", "impact_runs", "item_status", "items_matching", "makers_matching"]


class _Neg(Func):
    template = "(-%(expressions)s)"
    output_field = IntegerField()


class _ItemKey(Func):
    """COALESCE(app_id, -flow_id): the key the (run, item key) index of ImpactItem is built on."""

    function = "COALESCE"
    output_field = IntegerField()

    def __init__(self):
        super().__init__(F("app_id"), _Neg(F("flow_id")))


class ImpactRuns:
    """The newest computed run (its `current` side is the live policies) and the newest per draft."""

    def __init__(self):
        runs = ImpactRun.objects.filter(status=ImpactRun.Status.DONE).select_related("draft").order_by(
            "-finished", "-id").only("id", "draft__id", "draft__display_name", "draft__is_draft")
        self.latest, self.drafts = None, {}
        for run in runs[:200]:
            self.latest = self.latest or run.pk
            if run.draft_id and run.draft_id not in self.drafts:
                self.drafts[run.draft_id] = (run.draft, run.pk)

    def choices(self):
        """(value, label) for the filters: broken or exempt now, broken or newly broken under each draft."""
        if self.latest is None:
            return []
        choices = [("broken", "Broken by the live policies"), ("exempt", "Exempt from a live policy")]
        for pk, (draft, _) in self.drafts.items():
            choices += [(f"draft-{pk}", f"Broken under {draft.display_name}"),
                        (f"new-{pk}", f"Newly broken by {draft.display_name}")]
        return choices

    def condition(self, value):
        """(run id, Q over ImpactItem) that a choice selects; None when no computed run backs it."""
        if value == "broken" and self.latest:
            return self.latest, Q(current=ItemStatus.BROKEN)
        if value == "exempt" and self.latest:
            return self.latest, Q(current=ItemStatus.EXEMPT)
        prefix, _, pk = value.partition("-")
        draft = self.drafts.get(int(pk)) if pk.isdigit() else None
        if draft is None:
            return None
        return draft[1], Q(proposed=ItemStatus.BROKEN) if prefix == "draft" else Q(change=Change.NEW)


def impact_runs(request=None):
    """ImpactRuns, read once per request."""
    if request is None:
        return ImpactRuns()
    if not hasattr(request, "_dlp_impact_runs"):
        request._dlp_impact_runs = ImpactRuns()
    return request._dlp_impact_runs


def _rows(run_id, model, condition=None):
    condition = condition if condition is not None else Q()
    key = OuterRef("pk") if model._meta.model_name == "app" else _Neg(OuterRef("pk"))
    return ImpactItem.objects.annotate(key=_ItemKey()).filter(condition, run_id=run_id, key=key).order_by()


def items_matching(queryset, runs, value):
    """Apps or flows of `queryset` that the choice `value` selects (none when no run backs it)."""
    found = runs.condition(value)
    if found is None:
        return queryset.none()
    run_id, condition = found
    return queryset.filter(Exists(_rows(run_id, queryset.model, condition)))


def makers_matching(queryset, runs, value):
    """Makers with at least one app or flow the choice `value` selects."""
    found = runs.condition(value)
    if found is None:
        return queryset.none()
    run_id, condition = found
    return queryset.filter(Exists(ImpactItem.objects.filter(condition, run_id=run_id, maker=OuterRef("pk"))))


def item_status(queryset, runs):
    """Annotate `dlp_status`: the item's status under the live policies in the newest run (None: compliant)."""
    if runs.latest is None:
        return queryset.annotate(dlp_status=Value(None, output_field=IntegerField()))
    status = _rows(runs.latest, queryset.model).values("current")[:1]
    return queryset.annotate(dlp_status=Subquery(status, output_field=IntegerField()))
