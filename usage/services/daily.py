"""One item's daily usage over the chart's period, the sources that answer for it, and Advisor's figures."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from ..models import AdvisorResource, AppLaunchDay, FlowRunDay, UsageSource

__all__ = ["DAYS", "Daily", "advisor_for", "app_days", "flow_days", "sources_for"]

DAYS = 90


@dataclass(frozen=True)
class Daily:
    """Figures per day, oldest first: `header` names the columns, each row is (day, *figures)."""

    header: tuple
    rows: list

    def series(self):
        """{column: [(day, value)]} for a line chart."""
        return {name: [(row[0], row[index]) for row in self.rows] for index, name in enumerate(self.header) if index}

    @property
    def total(self):
        return sum(row[1] for row in self.rows)


def _period(days, today):
    today = today or timezone.now().date()
    return [today - timedelta(days=back) for back in range(days - 1, -1, -1)]


def app_days(app, days=DAYS, today=None):
    """Launches and distinct users per day (audit feed); empty days count zero."""
    period = _period(days, today)
    try:
        guid = uuid.UUID(app.app_id)
    except ValueError:  # not a tenant app id (an import's placeholder): nothing can have been read for it
        figures = {}
    else:
        rows = (AppLaunchDay.objects.filter(app_guid=guid, day__gte=period[0]).values("day")
                .annotate(launches=Sum("launches"), users=Count("user_key")).values_list("day", "launches", "users"))
        figures = {day: (launches, users) for day, launches, users in rows}
    return Daily(("Day", "Launches", "Users"), [(day, *figures.get(day, (0, 0))) for day in period])


def flow_days(flow, days=DAYS, today=None):
    """Runs and failed runs per day (run history or Dataverse); empty days count zero."""
    period = _period(days, today)
    rows = (FlowRunDay.objects.filter(flow_guid=flow.flow_id, day__gte=period[0])
            .values_list("day", "runs", "failed"))
    figures = {day: (runs, failed) for day, runs, failed in rows}
    return Daily(("Day", "Runs", "Failed"), [(day, *figures.get(day, (0, 0))) for day in period])


def sources_for(item):
    """The usage sources that answer for an app (the audit feed) or a flow (run history, its org's Dataverse)."""
    if item._meta.model_name == "app":
        keys = Q(key="audit")
    else:
        keys = Q(key="runs") | Q(key=f"dataverse:{item.environment.env_id}")
    return list(UsageSource.objects.filter(keys))


def advisor_for(app):
    """What Advisor reports for the app, one row per recommendation that lists it."""
    return list(AdvisorResource.objects.filter(resource_id=app.app_id.lower()).order_by("scenario"))
