"""`{% envops_plans_card %}`: open environment operation plans, for dashboards."""

from django import template
from django.db.models import Count

from ..choices import PlanStatus
from ..models import Plan

register = template.Library()

OPEN = (PlanStatus.DRAFT, PlanStatus.READY, PlanStatus.IN_PROGRESS, PlanStatus.FAILED)


@register.inclusion_tag("migrations_app/inc/plans_card.html")
def envops_plans_card(limit=5):
    """Counts of plans by status and the most recently changed open ones."""
    counts = dict(Plan.objects.values_list("status").annotate(n=Count("id")))
    rows = [(PlanStatus(status).label, counts.get(status, 0)) for status in PlanStatus.values]
    recent = Plan.objects.filter(status__in=OPEN).select_related("owner").order_by("-updated")[:limit]
    return {"rows": rows, "recent": recent, "total": sum(counts.values())}
