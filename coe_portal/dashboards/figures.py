"""Turn snapshots into what the dashboard shows: each chart as rows, ready for SVG, table and CSV."""

from collections import Counter
from datetime import datetime, timedelta

from django.db.models import IntegerField, Max, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from .charts import BarChart, LineChart
from .metrics import FACTS, METRICS
from .models import Snapshot
from .render import bar_svg, line_svg, table_html
from .snapshots import CHARTED
from .trend import cutoff, intraday_series

__all__ = ["NO_DEPARTMENT", "Dashboard", "breakdown_totals", "when_cell"]

NO_DEPARTMENT = "(no department)"
FUNNEL_END = 100  # metrics ordered below this are stages of the funnel
SERIES = CHARTED  # the metrics charted over time


class Dashboard:
    """The figures of one user's dashboard over `days` days, limited to `departments` (None: all)."""

    def __init__(self, departments=None, days=90):
        since = timezone.localdate() - timedelta(days=days)
        period = Snapshot.objects.filter(day__gte=since).order_by()
        visible = period.filter(department__isnull=False)
        if departments is not None:
            visible = visible.filter(department__in=departments)
        self._visible = visible
        # Only the latest day's rows are read whole; the lines over the period are summed in SQL.
        latest_day = visible.aggregate(day=Max("day"))["day"]
        self.latest = dict(visible.filter(day=latest_day).values_list("department", "figures")) if latest_day else {}
        keys = [key for key in SERIES if key in METRICS]
        self._series = self._sum_by_day(keys) if latest_day else {}
        self.days = sorted(self._series)
        recent = visible.filter(day__gte=cutoff()).values_list("day", "figures", "points")
        self._intraday = intraday_series(recent, keys) if latest_day else {}
        tenant = period.filter(department__isnull=True).order_by("-day").values_list("day", "figures").first()
        self.tenant = dict([tenant]) if tenant else {}

    def _sum_by_day(self, keys):
        """{day: {key: total over the visible departments}} for every day with figures."""
        sums = {key: Coalesce(Sum(Cast(KT(f"figures__{key}"), IntegerField())), 0) for key in keys}
        rows = self._visible.values("day").annotate(**sums) if sums else self._visible.values("day").distinct()
        return {row.pop("day"): row for row in rows}

    def total(self, key):
        return sum(figures.get(key, 0) for figures in self.latest.values())

    def funnel(self):
        stages = sorted((m for m in METRICS.values() if m.order < FUNNEL_END), key=lambda m: m.order)
        return [(metric.label, self.total(metric.key)) for metric in stages]

    def series(self, key):
        """[(when, total)]: a point per day (a date), and for the last days a point per retake (a datetime)."""
        daily = [(day, self._series[day][key]) for day in self.days if day not in self._intraday]
        return daily + [(at, totals[key]) for day in sorted(self._intraday) for at, totals in self._intraday[day]]

    def departments(self):
        """[header, *rows]: each metric per department, then the share of its inventoried items no longer left."""
        keys = sorted(METRICS.values(), key=lambda m: m.order)
        rows = [[department or NO_DEPARTMENT] + [figures.get(m.key, 0) for m in keys] + [_done(figures)]
                for department, figures in self.latest.items()]
        left = 1 + [m.key for m in keys].index("remaining")
        rows.sort(key=lambda row: (-row[left], row[0]))
        return [["Department"] + [m.label for m in keys] + ["Done %"]] + rows

    def answer_rates(self):
        if "notified" not in METRICS or "answered" not in METRICS:
            return []
        rows = []
        for department, figures in sorted(self.latest.items()):
            notified = figures.get("notified", 0)
            if notified:
                rows.append((department or NO_DEPARTMENT, round(100 * figures.get("answered", 0) / notified)))
        return rows

    def capacity(self):
        latest = self.tenant[max(self.tenant)] if self.tenant else {}
        keys = [key for key in FACTS if key.startswith("capacity_")]
        return [(FACTS[key].label, latest.get(key)) for key in keys if latest.get(key) is not None]

    def charts(self):
        """Every chart with its table rows; a chart with no data has `rows` empty (an empty state)."""
        funnel = self.funnel()
        burndown = self.series("remaining")
        by_department = self.departments()
        left = by_department[0].index(METRICS["remaining"].label)
        top = [(row[0], row[left]) for row in by_department[1:16]]
        dlp = self.series("dlp_exposed") if "dlp_exposed" in METRICS else []
        answers, capacity = self.answer_rates(), self.capacity()
        inventoried = self.total("inventoried")
        shares = [(label, number, round(100 * number / inventoried) if inventoried else "") for label, number in funnel]
        return [
            _chart("funnel", "Migration funnel", ["Stage", "Items", "% of inventoried"], shares, BarChart(funnel)),
            _chart("burndown", "Items left in the default environment", ["Taken", "Items"],
                   [(when_cell(when), value) for when, value in burndown],
                   LineChart({"Left": burndown}) if burndown else None,
                   caption="A point per day; over the last days a point per snapshot that moved the figure"),
            _chart("departments", "Progress by department", by_department[0], by_department[1:],
                   BarChart(top) if top else None, caption="Bars: items left in the default environment"),
            _chart("answers", "Makers' answer rate (%)", ["Department", "Answered %"], answers,
                   BarChart(answers) if answers else None),
            _chart("capacity", "Default environment Dataverse capacity", ["Kind", "MB"], capacity,
                   BarChart(capacity) if capacity else None),
            _chart("dlp", "Items breaking a DLP policy", ["Taken", "Items"], [(when_cell(when), n) for when, n in dlp],
                   LineChart({"Breaking": dlp}) if dlp else None),
        ]


def _done(figures):
    inventoried = figures.get("inventoried", 0)
    return round(100 * (inventoried - figures.get("remaining", 0)) / inventoried) if inventoried else ""


def when_cell(when):
    """A point's time for tables and CSV: "2026-12-03" for a day, "2026-12-03 14:05" (local) for a snapshot."""
    if isinstance(when, datetime):
        return f"{timezone.localtime(when):%Y-%m-%d %H:%M}"
    return when.isoformat()


def breakdown_totals(key, days, departments):
    """{day: Counter of part -> number} of breakdown `key` on `days`, summed over `departments` (None: all)."""
    rows = Snapshot.objects.filter(day__in=days, department__isnull=False)
    if departments is not None:
        rows = rows.filter(department__in=departments)
    totals = {day: Counter() for day in days}
    for day, parts in rows.values_list("day", f"breakdowns__{key}"):
        totals[day].update(parts or {})
    return totals


def _chart(key, title, header, rows, drawing, caption=""):
    rows = [list(row) for row in rows]
    return {"key": key, "title": title, "header": header, "rows": rows, "table": table_html(header, rows),
            "drawing": drawing, "kind": type(drawing).__name__ if drawing else "", "caption": caption,
            "svg": line_svg(drawing, title) if isinstance(drawing, LineChart) else bar_svg(drawing, title) if drawing
            else ""}
