from django.db import models
from django.utils import timezone

__all__ = ["Snapshot"]


class Snapshot(models.Model):
    """The dashboards' figures on one day: per department, or tenant-wide when department is null.

    One row per day and department, rewritten when the day's snapshot is taken again, so the
    history has a point a day however often it is refreshed.
    """

    day = models.DateField()
    department = models.CharField(max_length=200, null=True, blank=True)
    figures = models.JSONField(default=dict)
    # Kept apart from `figures`: only two days of it are read (the period's first and last), never a year.
    breakdowns = models.JSONField(default=dict, blank=True,
                                  help_text='{breakdown key: {part: number, "other": number}}')
    taken_at = models.DateTimeField(default=timezone.now)
    # Kept for the last trend.INTRADAY_DAYS days only: a burndown with a point per retake, not one per day.
    points = models.JSONField(default=list, blank=True,
                              help_text='[[taken at (ISO 8601), {charted figure: number}], ...]: each retake '
                                        'of the day that moved a charted figure')

    class Meta:
        ordering = ["day", "department"]
        constraints = [models.UniqueConstraint(fields=["day", "department"], nulls_distinct=False,
                                               name="one_snapshot_per_day_and_department")]
        # The dashboard's department choices: a skip scan over this index (cached.CachedBoard.departments);
        # the latest taken_at, which keys the cached charts: one probe of the second.
        indexes = [models.Index(fields=["department"], name="snapshot_department"),
                   models.Index(fields=["taken_at"], name="snapshot_taken_at")]

    def __str__(self):
        return f"{self.day} {self.department if self.department is not None else 'tenant'}"
