"""The dashboard's charts, built once per snapshot and kept in each web process.

Every chart is read from the snapshots (and environment names), which change only when a
snapshot is taken; the latest `taken_at` is therefore part of the key, so a new snapshot is
shown at once by every process without any invalidation message.
"""

import hashlib

from django.core.cache import caches
from django.db import connection
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from .environments import environment_chart
from .figures import Dashboard
from .metrics import LINKED
from .models import Snapshot
from .waves import wave_chart

__all__ = ["CachedBoard", "charts_of"]

TIMEOUT = 600  # seconds; bounds how long a renamed environment keeps its old name on the charts

# Every department with a snapshot, one index probe per department (a year of history holds a
# row per department per day: DISTINCT over them all cost more than the rest of the page).
DEPARTMENTS_SQL = """
WITH RECURSIVE known(department) AS (
    SELECT min(department) FROM dashboards_snapshot WHERE department IS NOT NULL
    UNION ALL
    SELECT (SELECT min(department) FROM dashboards_snapshot WHERE department > known.department)
    FROM known WHERE known.department IS NOT NULL
)
SELECT department FROM known WHERE department IS NOT NULL
"""


class CachedBoard:
    """One request's view of the cache: the snapshot stamp is read once, then keys every part."""

    def __init__(self):
        self.stamp = Snapshot.objects.aggregate(at=Max("taken_at"))["at"]

    def _remembered(self, parts, build):
        digest = hashlib.sha256(repr((self.stamp, timezone.localdate(), *parts)).encode()).hexdigest()
        key, cache = f"dashboard:{digest}", caches["local"]
        value = cache.get(key)
        if value is None:
            value = build()
            cache.set(key, value, TIMEOUT)
        return value

    def departments(self, allowed):
        """Departments with figures, limited to `allowed` (None: all), sorted."""
        def build():
            with connection.cursor() as cursor:
                cursor.execute(DEPARTMENTS_SQL)
                return [row[0] for row in cursor.fetchall()]

        return sorted(d for d in self._remembered(["departments"], build) if allowed is None or d in allowed)

    def charts_html(self, departments, period, query):
        """(the charts' HTML, latest day) for the page whose query string is `query`.

        Kept as one string: unpickling the charts' rows and drawings cost more than the page.
        """
        def build():
            charts, latest_day = charts_of(departments, period)
            export_prefix = f"?{query}&" if query else "?"
            html = render_to_string("dashboards/inc/charts.html", {"charts": charts, "export_prefix": export_prefix})
            return html, latest_day

        scope = sorted(departments) if departments is not None else None
        return self._remembered(["charts", period, scope, query], build)


    def linked(self, departments):
        """The live figures with links (metrics.register_linked), counted at most TIMEOUT seconds ago."""
        def build():
            return [figure for figures in LINKED.values() for figure in figures(departments)]

        return self._remembered(["linked", sorted(departments) if departments is not None else None], build)


def charts_of(departments, period):
    """(charts, latest day) of the dashboard over `period` days for `departments` (None: all)."""
    board = Dashboard(departments, days=period)
    charts = board.charts()
    at = next((i + 1 for i, chart in enumerate(charts) if chart["key"] == "departments"), len(charts))
    charts.insert(at, environment_chart(departments, board.days))
    if waves := wave_chart(departments, board.days):
        charts.insert(at + 1, waves)
    return charts, board.days[-1] if board.days else None
