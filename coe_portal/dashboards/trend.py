"""A point per snapshot: each retake of a day that moved a charted figure, so a line moves within the day too.

A day's snapshot row is rewritten at each retake (the history keeps one row per day); its `points`
keep the values each retake found, for the last INTRADAY_DAYS days. Charts read those days point
by point and older days as one point each.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

__all__ = ["INTRADAY_DAYS", "add_points", "cutoff", "intraday_series", "when_label"]

INTRADAY_DAYS = 7


def add_points(points, values, now):
    """`points` with `values` appended at `now`, unless they equal the last point's (a retake that moved nothing)."""
    if points and points[-1][1] == values:
        return points
    return [*points, [now.isoformat(), values]]


def intraday_series(rows, keys):
    """{day: [(datetime, {key: total})]} summed over departments, a point whenever one of them moved.

    Args:
        rows: (day, figures, points) of one scope's snapshot rows; a row without points counts from
            the day's start with its figures (a row taken before points were kept).
    """
    moves = {}
    for day, figures, points in rows:
        start = timezone.make_aware(datetime.combine(day, time.min))
        department = object()  # each row is one department of its day
        for at, values in points or [[start.isoformat(), {key: figures.get(key, 0) for key in keys}]]:
            moves.setdefault(day, []).append((datetime.fromisoformat(at), department, values))
    series = {}
    for day, day_moves in moves.items():
        now, points = {}, []
        for at, department, values in sorted(day_moves, key=lambda move: move[0]):
            now[department] = values
            totals = {key: sum(current.get(key, 0) for current in now.values()) for key in keys}
            if points and points[-1][0] == at:
                points[-1] = (at, totals)
            else:
                points.append((at, totals))
        series[day] = points
    return series


def when_label(when):
    """"3 Dec" for a day, "3 Dec, 14:05" (local) for a point of a snapshot."""
    if isinstance(when, datetime):
        return f"{timezone.localtime(when):%-d %b, %H:%M}"
    return f"{when:%-d %b}"


def cutoff(today=None):
    """The first day whose snapshots keep their points."""
    return (today or timezone.localdate()) - timedelta(days=INTRADAY_DAYS - 1)
