"""Environment operation plans: copy an environment, move one to another tenant, move a portal.

`Plan` holds what every plan shares (kind, status, owner) so one list page shows them all;
each kind adds its own fields through multi-table inheritance. A later MigrationRequest /
Wave / Job model lives beside these, not inside them.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from ..choices import PLAN_STATUS_COLOURS, Cloud, CopyLevel, ItemStatus, PlanKind, PlanStatus, PortalTemplate

__all__ = ["ChecklistItem", "CopyEnvironmentPlan", "Plan", "PortalMovePlan", "TenantMovePlan"]

FINISHED_ITEMS = (ItemStatus.DONE, ItemStatus.NOT_NEEDED)


# Plans

class Plan(models.Model):
    """One guided environment operation, owned by a CoE admin and tracked to a completed checklist."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=30, choices=PlanKind.choices, editable=False)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="environment_plans")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)
    completed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("migrations_app:plan-detail", args=[self.pk])

    def get_status_colour(self):
        return PLAN_STATUS_COLOURS[self.status]

    @property
    def specific(self):
        """The plan as its own kind (CopyEnvironmentPlan, TenantMovePlan or PortalMovePlan)."""
        return getattr(self, {PlanKind.COPY_ENVIRONMENT: "copyenvironmentplan", PlanKind.TENANT_MOVE: "tenantmoveplan",
                              PlanKind.PORTAL_MOVE: "portalmoveplan"}[self.kind])

    def checklist_done(self):
        """True when every checklist item is done or not needed (and there is a checklist)."""
        items = list(self.checklist.values_list("status", flat=True))
        return bool(items) and all(status in FINISHED_ITEMS for status in items)


class CopyEnvironmentPlan(Plan):
    """Copy one environment over another (seed 003): the target is overwritten."""

    source = models.ForeignKey("inventory.Environment", on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey("inventory.Environment", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=20, choices=CopyLevel.choices, default=CopyLevel.EVERYTHING)
    security_group_id = models.UUIDField(null=True, blank=True,
                                         help_text="Optional: only members of this Entra security group get access")
    copy_audit_data = models.BooleanField(default=False, help_text="Copying audit data can make the copy take up to "
                                                                   "8 hours")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey("core.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    operation_url = models.URLField(max_length=1000, blank=True, help_text="The tenant's copy operation, polled")
    operation_status = models.CharField(max_length=30, blank=True)

    def save(self, *args, **kwargs):
        self.kind = PlanKind.COPY_ENVIRONMENT
        super().save(*args, **kwargs)


class TenantMovePlan(Plan):
    """Move an environment to another tenant (seed 002), with its usermapping.csv."""

    environment = models.ForeignKey("inventory.Environment", on_delete=models.PROTECT, related_name="+")
    destination_tenant = models.CharField(max_length=200, help_text="The destination tenant's domain or id")
    source_cloud = models.CharField(max_length=20, choices=Cloud.choices, default=Cloud.PUBLIC)
    destination_cloud = models.CharField(max_length=20, choices=Cloud.choices, default=Cloud.PUBLIC)
    domain_rules = models.TextField(blank=True, help_text="One rewrite a line: source.com=destination.com")
    usermapping = models.TextField(blank=True, help_text="The last valid usermapping.csv, as text")
    usermapping_uploaded = models.DateTimeField(null=True, blank=True)

    def save(self, *args, **kwargs):
        self.kind = PlanKind.TENANT_MOVE
        super().save(*args, **kwargs)


class PortalMovePlan(Plan):
    """Move a portal's configuration to another environment or tenant (seed 004)."""

    source_site = models.ForeignKey("inventory.PagesSite", on_delete=models.PROTECT, related_name="+")
    target_environment = models.ForeignKey("inventory.Environment", on_delete=models.PROTECT, related_name="+")
    source_template = models.CharField(max_length=30, choices=PortalTemplate.choices)
    target_template = models.CharField(max_length=30, choices=PortalTemplate.choices)
    source_language = models.PositiveIntegerField(default=1033, help_text="Default language code (LCID)")
    target_language = models.PositiveIntegerField(default=1033, help_text="Default language code (LCID)")
    source_version = models.CharField(max_length=40, help_text="Portal solution version, e.g. 9.3.2201.6")
    target_version = models.CharField(max_length=40, help_text="Portal solution version on the target")
    cross_tenant = models.BooleanField(default=False, help_text="The target is in another tenant")
    download_path = models.CharField(max_length=200, default=r"C:\paportals")

    def save(self, *args, **kwargs):
        self.kind = PlanKind.PORTAL_MOVE
        super().save(*args, **kwargs)


# Checklists

class ChecklistItem(models.Model):
    """One step of a plan's checklist, with who does it and how far it is."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveIntegerField()
    key = models.CharField(max_length=60)
    phase = models.CharField(max_length=40, blank=True, help_text="e.g. Before the move, After the copy")
    label = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    owner = models.CharField(max_length=200, blank=True, help_text="Who does it: a person or a team")
    status = models.CharField(max_length=20, choices=ItemStatus.choices, default=ItemStatus.TODO)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="checklist_item_key_unique")]

    def __str__(self):
        return self.label
