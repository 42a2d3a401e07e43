"""Cross-cutting models: the audit log, user profiles and background job runs."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .choices import JOB_STATUS_COLOURS, JobStatus
from .tokens import ApiToken

__all__ = ["ApiToken", "AuditEntry", "JobRun", "UserProfile"]


#
# Audit log
#


class AuditEntry(models.Model):
    """One action by a person: who, what, on which object, when and from where."""

    created = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Kept as text so the entry still names the actor after the account is deleted.
    actor_name = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "audit entries"
        # The item detail pages list the history of one object.
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.created:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}".strip()


#
# Users
#


class UserProfile(models.Model):
    """What the portal knows of a user beyond Django's User: the Entra identity."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    entra_object_id = models.UUIDField(null=True, blank=True, db_index=True)  # drafts match makers by it alone
    entra_tenant_id = models.UUIDField(null=True, blank=True)
    managed_departments = models.JSONField(
        default=list, blank=True, help_text="Departments whose progress this manager sees (default: their own)")

    class Meta:
        # An Entra identity is its tenant id and object id together (sign-in looks it up by both).
        constraints = [models.UniqueConstraint(fields=["entra_tenant_id", "entra_object_id"],
                                               name="userprofile_entra_identity")]

    def __str__(self):
        return f"Profile of {self.user}"


class PendingEntraLink(models.Model):
    """An Entra identity whose e-mail claim matches an existing portal account.

    The e-mail claim is whatever the tenant's user set (the "nOAuth" pattern), so it never links an
    account by itself: a CoE admin confirms the link (core.services.users.do_confirm_entra_link).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_entra_links")
    entra_tenant_id = models.UUIDField()
    entra_object_id = models.UUIDField()
    email = models.CharField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entra_tenant_id", "entra_object_id"],
                                               name="pending_entra_link_identity")]

    def __str__(self):
        return f"{self.name or self.email} (Entra {self.entra_object_id}) → {self.user}"


#
# Background jobs
#


class JobRun(models.Model):
    """A background job as people see it: status, progress and a log, polled by the UI."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=60)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    log = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.kind} {self.code}"

    @property
    def percent(self):
        if not self.progress_total:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def is_finished(self):
        return self.status in (JobStatus.COMPLETED, JobStatus.FAILED)

    def get_status_colour(self):
        return JOB_STATUS_COLOURS[self.status]

    def claim(self):
        """Move a pending job to running; False if another worker claimed it first."""
        claimed = JobRun.objects.filter(pk=self.pk, status=JobStatus.PENDING).update(
            status=JobStatus.RUNNING, started=timezone.now()
        )
        self.refresh_from_db()
        return claimed == 1

    def advance(self, message, done=None, total=None):
        """Append a log line and update progress, visible to pollers at once."""
        self.log.append({"at": timezone.now().isoformat(), "message": message})
        if done is not None:
            self.progress_done = done
        if total is not None:
            self.progress_total = total
        self.save(update_fields=["log", "progress_done", "progress_total"])

    def finish(self, result=None):
        self.status = JobStatus.COMPLETED
        self.finished = timezone.now()
        self.result = result or {}
        self.save(update_fields=["status", "finished", "result"])

    def fail(self, error, result=None):
        self.status = JobStatus.FAILED
        self.finished = timezone.now()
        self.error = str(error)
        if result is not None:
            self.result = result
        self.save(update_fields=["status", "finished", "error", "result"])
