from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..choices import CleanupMode, CleanupStage
from .base import AppOrFlow

__all__ = ["Backup", "CleanupCase"]


class CleanupCase(AppOrFlow, models.Model):
    """One app or flow on its way out: quarantined/stopped, waiting for its owner, then backed up and deleted.

    Each step claims the case with a conditional UPDATE on `stage`, so a retried or duplicated
    task never acts twice; `error` keeps the last failure for the retry button. `claimed_at` is the
    claim's lease: a case left in a working stage by a worker that died is put back by
    services/cleanup_recovery.py.
    """

    app = models.ForeignKey("inventory.App", null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    flow = models.ForeignKey("inventory.Flow", null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    mode = models.CharField(max_length=20, choices=CleanupMode.choices, default=CleanupMode.QUARANTINE)
    stage = models.CharField(max_length=20, choices=CleanupStage.choices, default=CleanupStage.PENDING, db_index=True)
    reason = models.CharField(max_length=300, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True)
    grace_days = models.PositiveSmallIntegerField(null=True, blank=True,
                                                  help_text="The grace period the admin chose; empty: the triage "
                                                            "settings' grace_days when the item is held")
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)
    claimed_at = models.DateTimeField(null=True, blank=True,
                                      help_text="When a worker claimed the working stage (recovered past the lease)")
    job = models.ForeignKey("core.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
                            help_text="The bulk job whose step acts on the case now (progress, retry of its failures)")

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [models.CheckConstraint(condition=Q(app__isnull=False) ^ Q(flow__isnull=False),
                                              name="case_of_app_xor_flow")]

    def __str__(self):
        return f"{self.get_mode_display()} of {self.item}"

    def step_label(self):
        """What the case's current step is doing ("Quarantining…"), or how it ended ("Failed: why")."""
        held, holding = ("quarantined", "Quarantining…") if self.app_id else ("stopped", "Stopping…")
        if self.stage == CleanupStage.PENDING:
            return "Deleting…" if self.mode == CleanupMode.DELETE_ONLY else holding
        if self.stage == CleanupStage.WAITING:
            if self.grace_until is None:
                return holding
            return f"Done: {held}; the owner has until {self.grace_until:%Y-%m-%d} to answer."
        if self.stage == CleanupStage.FAILED:
            return f"Failed: {self.error.split('|', 1)[-1]}"
        return {CleanupStage.RELEASING: "Releasing…", CleanupStage.RELEASED: "Done: released.",
                CleanupStage.EXPIRED: "Backing up…", CleanupStage.BACKING_UP: "Backing up…",
                CleanupStage.BACKED_UP: "Deleting…", CleanupStage.DELETING: "Deleting…",
                CleanupStage.DELETED: "Done: deleted."}[self.stage]

    @property
    def awaits_owner(self):
        """Quarantined/stopped with its grace period running: only now may the owner answer."""
        return self.stage == CleanupStage.WAITING and self.grace_until is not None

    @property
    def is_open(self):
        """Not yet released or deleted: the item cannot get a second case."""
        return self.stage not in (CleanupStage.RELEASED, CleanupStage.DELETED)

    @property
    def is_working(self):
        """A step is queued or under way (the quarantine/stop call included), so the item page follows it."""
        if self.stage == CleanupStage.WAITING:
            return self.grace_until is None
        return self.stage in (CleanupStage.PENDING, CleanupStage.RELEASING, CleanupStage.EXPIRED,
                              CleanupStage.BACKING_UP, CleanupStage.BACKED_UP, CleanupStage.DELETING)

    def stage_text(self):
        """The case's badge: the running step ("Quarantining…") until the item is held, then the stage's name."""
        if self.stage in (CleanupStage.PENDING, CleanupStage.WAITING) and not self.awaits_owner:
            return self.step_label()
        return self.get_stage_display()

    @property
    def is_abandoned(self):
        """Held in a working stage past the claim's lease (its worker died): Retry puts it back."""
        working = self.stage in (CleanupStage.BACKING_UP, CleanupStage.DELETING, CleanupStage.RELEASING) or (
            self.stage == CleanupStage.WAITING and self.grace_until is None)
        lease = timezone.now() - timedelta(seconds=settings.CLEANUP_LEASE_SECONDS)
        return working and self.claimed_at is not None and self.claimed_at < lease


class Backup(models.Model):
    """An exported package of an item, kept in Django storage with its checksum, verified before deletion."""

    case = models.ForeignKey(CleanupCase, on_delete=models.PROTECT, related_name="backups")
    item_kind = models.CharField(max_length=10)
    item_id = models.CharField(max_length=64, help_text="The tenant's id of the app or flow")
    item_name = models.CharField(max_length=300)
    file = models.FileField(upload_to="backups/%Y/%m/", max_length=300)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    verified_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"Backup of {self.item_name}"
