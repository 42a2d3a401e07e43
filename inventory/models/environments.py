from django.db import models

from ..choices import EnvironmentType
from .base import SyncedItem

__all__ = ["Environment"]


class Environment(SyncedItem):
    """A Power Platform environment; the default one is where every licensed user is a maker."""

    env_id = models.CharField(max_length=64, unique=True, help_text="Environment name: a GUID or Default-<tenant>")
    display_name = models.CharField(max_length=200)
    environment_type = models.CharField(max_length=20, choices=EnvironmentType.choices, default=EnvironmentType.OTHER)
    region = models.CharField(max_length=50, blank=True)
    azure_region = models.CharField(max_length=50, blank=True)
    is_default = models.BooleanField(default=False)
    is_managed = models.BooleanField(default=False, help_text="Managed environment (protection level Standard)")
    dataverse_url = models.URLField(blank=True)
    created_time = models.DateTimeField(null=True, blank=True)
    # Actual consumption, and rated consumption: what counts against the tenant's entitlement
    # (for example a database billed at its 1 GB minimum while it holds 885 MB).
    capacity_database_mb = models.FloatField(null=True, blank=True, help_text="Actual consumption")
    capacity_file_mb = models.FloatField(null=True, blank=True, help_text="Actual consumption")
    capacity_log_mb = models.FloatField(null=True, blank=True, help_text="Actual consumption")
    capacity_database_rated_mb = models.FloatField(null=True, blank=True, help_text="Rated consumption")
    capacity_file_rated_mb = models.FloatField(null=True, blank=True, help_text="Rated consumption")
    capacity_log_rated_mb = models.FloatField(null=True, blank=True, help_text="Rated consumption")
    capacity_limit_mb = models.FloatField(null=True, blank=True, help_text="Set by an admin: the tenant entitlement")
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="environments")
    # A developer environment belongs to the person who made it; a request never preselects another's.
    creator = models.ForeignKey("inventory.Maker", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="created_environments", help_text="The person who made it, if one did")

    class Meta:
        ordering = ["-is_default", "display_name"]

    def __str__(self):
        return self.display_name

    @property
    def is_personal(self):
        """A developer environment: its maker's own, not a place to share items in."""
        return self.environment_type == EnvironmentType.DEVELOPER

    @property
    def has_dataverse(self):
        return bool(self.dataverse_url)

    @property
    def capacity_used_mb(self):
        """What counts against the entitlement: rated consumption, or the actual one where the rating is unknown
        (an answer without ratedConsumption, a value from an import)."""
        rated = [self.capacity_database_rated_mb, self.capacity_file_rated_mb, self.capacity_log_rated_mb]
        actual = [self.capacity_database_mb, self.capacity_file_mb, self.capacity_log_mb]
        parts = [r if r is not None else a for r, a in zip(rated, actual, strict=True)]
        return sum(part or 0 for part in parts) if any(part is not None for part in parts) else None
