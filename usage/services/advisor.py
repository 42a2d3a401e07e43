"""Power Platform Advisor's recommendations and the usage it reports per resource (usage-apis.md section 3).

Advisor covers managed environments only, weekly; its scenario ids are undocumented, so they are
read from /scenarios each time. A tenant without Advisor (or a principal it refuses) makes the
source "not available", which is not an error of the run.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from coe_portal.powerplatform.errors import ApiError

from ..models import AdvisorResource, UsageSource

__all__ = ["read"]

ADVISOR = "advisor"
NOT_AVAILABLE = {401: "the portal's app may not read Advisor (it needs a Power Platform administrator role)",
                 403: "the portal's app may not read Advisor (it needs a Power Platform administrator role)",
                 404: "Advisor is not available in this tenant (tenant-level analytics off?)"}


def _moment(value):
    try:
        return parse_datetime(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _number(value):
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def read(task, client):
    advisor = UsageSource.objects.get_or_create(key=ADVISOR, defaults={"label": "Power Platform Advisor"})[0]
    try:
        scenarios = {scenario: client.advisor_resources(scenario) for scenario in client.advisor_scenarios()}
    except ApiError as exc:
        if exc.status not in NOT_AVAILABLE:
            raise
        advisor.failed(f"{exc.status}: {NOT_AVAILABLE[exc.status]}", unavailable=True)
        advisor.save()
        return
    now = timezone.now()
    rows = [AdvisorResource(scenario=scenario, resource_id=str(item.get("resourceId") or "").lower(),
                            resource_type=str(item.get("resourceType") or "")[:100],
                            resource_name=str(item.get("resourceName") or "")[:300],
                            environment_id=str(item.get("environmentId") or "")[:100],
                            last_accessed=_moment(item.get("lastAccessedDate")),
                            unique_users_30d=_number(item.get("resourceUsage")), read_at=now)
            for scenario, items in scenarios.items() for item in items if item.get("resourceId")]
    with transaction.atomic():
        AdvisorResource.objects.exclude(scenario__in=list(scenarios)).delete()
        AdvisorResource.objects.bulk_create(rows, update_conflicts=True, unique_fields=["scenario", "resource_id"],
                                            update_fields=["resource_type", "resource_name", "environment_id",
                                                           "last_accessed", "unique_users_30d", "read_at"])
        AdvisorResource.objects.filter(read_at__lt=now).delete()
    advisor.succeeded(at=now)
    advisor.save()
