"""Legacy packages (seed 001): an app or flow exported as a package, with the import option per resource."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from inventory.models.base import AppOrFlow

from ..choices import PACKAGE_STATUS_COLOURS, PackageStatus

__all__ = ["LegacyPackage"]


class LegacyPackageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """CoE admins see every package; makers the packages of items they may see (their own)."""
        from inventory.models import App, Flow

        return self.filter(models.Q(app__in=App.objects.visible_to(user)) |
                           models.Q(flow__in=Flow.objects.visible_to(user)))


class LegacyPackage(AppOrFlow, models.Model):
    """One export of an app or flow package: the options chosen, the manual steps, the stored .zip and its SHA-256.

    The row is written before the export runs (a Celery task claims it); the file is kept in
    Django storage and read back to check its checksum before the package counts as done.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    app = models.ForeignKey("inventory.App", null=True, blank=True, on_delete=models.PROTECT, related_name="packages")
    flow = models.ForeignKey("inventory.Flow", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="packages")
    item_name = models.CharField(max_length=300)
    status = models.CharField(max_length=20, choices=PackageStatus.choices, default=PackageStatus.PENDING,
                              db_index=True)
    creation_types = models.JSONField(default=dict, blank=True, help_text="Resource key -> New, Update or Existing")
    resources = models.JSONField(default=list, blank=True, help_text="The resources listed, with the options chosen")
    manual_steps = models.JSONField(default=list, blank=True, help_text="What must be recreated by hand")
    file = models.FileField(upload_to="packages/%Y/%m/", max_length=300, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    objects = LegacyPackageQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(app__isnull=False, flow__isnull=True) | models.Q(app__isnull=True, flow__isnull=False),
            name="legacypackage_one_item")]

    def __str__(self):
        return f"Package of {self.item_name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("migrations_app:package-detail", args=[self.code])

    @property
    def is_finished(self):
        return self.status in (PackageStatus.DONE, PackageStatus.FAILED)

    def get_status_colour(self):
        return PACKAGE_STATUS_COLOURS[self.status]
