from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from ..choices import TagRuleKind, TagRuleTarget

__all__ = ["TablePreference", "TagRule", "TriageSettings"]


class TablePreference(models.Model):
    """The columns one portal user chose to see on one list page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="table_preferences")
    table = models.CharField(max_length=60)
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "table"], name="table_preference_unique")]

    def __str__(self):
        return f"{self.user} {self.table}"


class TagRule(models.Model):
    """Put `tag` on every app and/or flow matching one condition; re-run after each sync.

    Rules only add their tag: an admin removes a tag by hand or with a bulk action.
    """

    name = models.CharField(max_length=100, unique=True)
    tag = models.ForeignKey("inventory.Tag", on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=30, choices=TagRuleKind.choices)
    value = models.CharField(max_length=200, blank=True,
                             help_text="Connector id, department, location or a number of days / users")
    target = models.CharField(max_length=10, choices=TagRuleTarget.choices, default=TagRuleTarget.BOTH)
    enabled = models.BooleanField(default=True)
    last_run = models.DateTimeField(null=True, blank=True)
    last_matched = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TriageSettings(models.Model):
    """Thresholds behind the recommendations; one row, edited by CoE admins."""

    shared_users_threshold = models.PositiveIntegerField(
        default=50, help_text="An app shared with at least this many users should leave the default environment")
    sharepoint_shared_threshold = models.PositiveIntegerField(
        default=10, help_text="A SharePoint-list app shared with this many users counts as heavy SharePoint use")
    inactive_days = models.PositiveIntegerField(
        default=180, validators=[MinValueValidator(1)],
        help_text="Not used or modified for this many days: suggest quarantine")
    delete_after_days = models.PositiveIntegerField(
        default=365, validators=[MinValueValidator(1)],
        help_text="Not used or modified for this many days: suggest deletion")
    grace_days = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)],
                                             help_text="Days an owner has to answer before clean-up")

    class Meta:
        verbose_name_plural = "triage settings"

    def __str__(self):
        return "Triage settings"

    @classmethod
    def load(cls):
        return cls.objects.get_or_create(pk=1)[0]

    @classmethod
    def current(cls):
        """The saved thresholds, else the defaults, in one read that writes nothing (for pages that only show)."""
        return cls.objects.filter(pk=1).first() or cls()

