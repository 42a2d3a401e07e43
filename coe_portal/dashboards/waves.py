"""Progress by wave: each migration wave's items waiting, migrating, failed and migrated.

Read from the latest snapshot's `items_by_wave` breakdown (registered by migrations_app), for
the departments the dashboard shows; absent when no app registers that breakdown.
"""

from .charts import BarChart
from .figures import _chart, breakdown_totals
from .metrics import BREAKDOWNS

__all__ = ["wave_chart"]

KEY = "items_by_wave"
STAGES = [("waiting", "Waiting"), ("migrating", "Migrating"), ("failed", "Failed"), ("migrated", "Migrated")]
SHOWN = 12  # the latest waves; older ones are in the table of an earlier period


def rows_by_wave(departments, day):
    """[[wave, waiting, migrating, failed, migrated, total, % migrated]], latest wave first."""
    counts = breakdown_totals(KEY, [day], departments)[day]
    waves = sorted({part.split(":")[0] for part in counts if part.split(":")[0].isdigit()}, key=int, reverse=True)
    names = BREAKDOWNS[KEY].names(waves) if BREAKDOWNS[KEY].names else {}
    table = []
    for wave in waves[:SHOWN]:
        stages = [counts.get(f"{wave}:{stage}", 0) for stage, _ in STAGES]
        total = sum(stages)
        table.append([names.get(wave, f"Wave {wave}"), *stages, total, round(100 * stages[-1] / total) if total else 0])
    return table


def wave_chart(departments, days):
    """The chart dict (as figures._chart makes) for the dashboard's departments, on its latest day."""
    if KEY not in BREAKDOWNS:
        return None
    rows = rows_by_wave(departments, days[-1]) if days else []
    header = ["Wave", *[label for _, label in STAGES], "Items", "Migrated %"]
    bars = [(row[0], row[-1]) for row in rows]
    return _chart("waves", "Progress by wave", header, rows, BarChart(bars) if bars else None,
                  caption="Bars: share of each wave's apps and flows migrated; the latest waves first")
