from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from ..choices import SYNC_STATUS_COLOURS, SyncKind, SyncStatus

__all__ = ["SyncRun", "SyncTask"]


class SyncRun(models.Model):
    """One sync of the inventory from the tenant, with what it cost and found."""

    kind = models.CharField(max_length=20, choices=SyncKind.choices, default=SyncKind.FULL)
    status = models.CharField(max_length=30, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    started = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    tasks_total = models.PositiveIntegerField(default=0)
    tasks_done = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    throttled = models.PositiveIntegerField(default=0, help_text="429 answers received")
    retries = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="Created, changed and deleted items per kind")
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} sync #{self.pk}"

    @property
    def percent(self):
        if self.status != SyncStatus.RUNNING:
            return 100
        return round(100 * self.tasks_done / self.tasks_total) if self.tasks_total else 0

    @property
    def is_finished(self):
        return self.status != SyncStatus.RUNNING

    @property
    def duration(self):
        return ((self.finished or timezone.now()) - self.started).total_seconds()

    def get_status_colour(self):
        return SYNC_STATUS_COLOURS[self.status]

    def add_error(self, **entry):
        """Append an error under the run's row lock, so workers reporting at once lose none."""
        with transaction.atomic():
            run = SyncRun.objects.select_for_update().only("errors").get(pk=self.pk)
            run.errors.append(entry)
            run.save(update_fields=["errors"])


class SyncTask(models.Model):
    """A unit of sync work (a page of a listing, a batch of details); the record of what is left.

    Rows are written before their Celery message is sent, and marked done in the same
    transaction as the work's writes, so a run killed at any point can be resumed from the
    rows alone and never counts or deletes twice.
    """

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="tasks")
    key = models.CharField(max_length=200)
    name = models.CharField(max_length=60)
    args = models.JSONField(default=dict)
    done = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True, help_text="When a worker last took it up")
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="sync_task_unique_key")]
        # The run's progress and the finish check count its pending tasks.
        indexes = [models.Index(fields=["run", "done"])]

    def __str__(self):
        return f"{self.run_id}:{self.key}"
