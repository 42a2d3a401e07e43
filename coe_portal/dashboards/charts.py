"""Charts drawn as SVG on the server: no script, nothing for the CSP to allow, readable without JS.

Each builder returns the geometry a template draws; the same rows feed the table view and CSV.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

__all__ = ["BarChart", "LineChart", "position"]

PALETTE = ["#0f6cbd", "#157f3b", "#b45309", "#7c3aed", "#b42318", "#0e7490"]


@dataclass
class BarChart:
    """Horizontal bars, one per row: (label, value)."""

    rows: list
    width: int = 640
    bar_height: int = 26
    label_width: int = 220
    bars: list = field(init=False)

    def __post_init__(self):
        top = max((value or 0 for _, value in self.rows), default=0) or 1
        room = self.width - self.label_width - 70
        self.bars = [{"label": label, "value": value, "y": index * self.bar_height,
                      "text_y": index * self.bar_height + self.bar_height * 0.65,
                      "width": round(room * (value or 0) / top, 1), "colour": PALETTE[index % len(PALETTE)]}
                     for index, (label, value) in enumerate(self.rows)]

    @property
    def height(self):
        return max(len(self.rows), 1) * self.bar_height

    @property
    def value_x(self):
        return self.label_width + 6


def position(when):
    """Where `when` sits on a time axis, in days: a date at its end (its figures are the day's last), a datetime at
    its local time of day."""
    if isinstance(when, datetime):
        local = timezone.localtime(when) if timezone.is_aware(when) else when
        return local.toordinal() + (local.hour * 3600 + local.minute * 60 + local.second) / 86400
    return when.toordinal() + 1


def _label(when, short_span):
    if isinstance(when, datetime):
        local = timezone.localtime(when) if timezone.is_aware(when) else when
        return f"{local:%d %b %H:%M}" if short_span else f"{local:%d %b}"
    return f"{when:%d %b}"


@dataclass
class LineChart:
    """Lines over time: `series` is {name: [(when, value), ...]}, ascending; `when` a date or a datetime.

    Points sit at their time (a day's points from the snapshots of that day spread within it), so a
    day without a snapshot leaves a gap rather than being squeezed out.
    """

    series: dict
    width: int = 640
    height: int = 220
    pad: int = 40
    lines: list = field(init=False)

    def __post_init__(self):
        days = sorted({day for points in self.series.values() for day, _ in points}, key=position)
        self.days = days
        self.top = max((value or 0 for points in self.series.values() for _, value in points), default=0) or 1
        start = position(days[0]) if days else 0
        span = (position(days[-1]) - start) if days else 0
        span = span or 1  # one point, or points taken within the same second
        x_of = {day: self.pad + (self.width - 2 * self.pad) * (position(day) - start) / span for day in days}
        self.lines = []
        for index, (name, points) in enumerate(self.series.items()):
            coords = [(round(x_of[day], 1), round(self._y(value or 0), 1)) for day, value in points]
            self.lines.append({"name": name, "colour": PALETTE[index % len(PALETTE)],
                               "points": " ".join(f"{x},{y}" for x, y in coords), "dots": coords})

    def _y(self, value):
        return self.height - self.pad - (self.height - 2 * self.pad) * value / self.top

    @property
    def first_label(self):
        return _label(self.days[0], self._short_span) if self.days else ""

    @property
    def last_label(self):
        return _label(self.days[-1], self._short_span) if self.days else ""

    @property
    def _short_span(self):
        return position(self.days[-1]) - position(self.days[0]) < 2

    @property
    def axis_bottom(self):
        return self.height - self.pad

    @property
    def right(self):
        return self.width - self.pad
