from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .choices import Change, Group, ItemStatus, Scope

__all__ = ["Exemption", "ImpactItem", "ImpactRun", "Policy", "PolicyConnector", "TargetProposal"]


# Policies

class Policy(models.Model):
    """A DLP policy: a live one synced from the tenant, or a draft an admin edits to see its impact.

    A draft that `replaces` a live policy stands in for it in the what-if; a draft that replaces
    nothing is evaluated as an extra policy on top of the live ones.
    """

    name = models.CharField(max_length=64, blank=True, help_text="The tenant's policy name (GUID); blank for drafts")
    display_name = models.CharField(max_length=200)
    is_draft = models.BooleanField(default=False)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts",
                                 limit_choices_to={"is_draft": False})
    default_group = models.CharField(max_length=20, choices=Group.choices, default=Group.NON_BUSINESS,
                                     help_text="The group of every connector the policy does not list")
    custom_connector_group = models.CharField(
        max_length=20, choices=Group.choices, blank=True,
        help_text="The group of custom connectors it does not list (its '*' URL pattern); blank: the default group")
    # The v2 rules beyond connector groups, as the tenant states them (policies.py parses them):
    # [{"order", "pattern", "group"}]; {connector: {"default": "Allow"|"Block", "actions": {operation: behaviour}}};
    # {connector: [{"order", "endpoint", "behavior"}]}.
    url_patterns = models.JSONField(default=list, blank=True,
                                    help_text="Custom connector URL patterns, in order: the first match decides")
    action_rules = models.JSONField(default=dict, blank=True, help_text="Connector action rules by connector")
    endpoint_rules = models.JSONField(default=dict, blank=True, help_text="Endpoint filtering rules by connector")
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.ALL)
    environments = models.ManyToManyField("inventory.Environment", blank=True, related_name="dlp_policies",
                                          help_text="The environments excluded or included, by scope")
    etag = models.CharField(max_length=100, blank=True)
    modified_by_name = models.CharField(max_length=200, blank=True)
    modified_time = models.DateTimeField(null=True, blank=True)
    last_synced = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="No longer in the tenant")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["is_draft", "display_name", "id"]
        verbose_name_plural = "policies"
        constraints = [models.UniqueConstraint(fields=["name"], condition=~Q(name=""), name="dlp_policy_unique_name")]

    def __str__(self):
        return f"{self.display_name} (draft)" if self.is_draft else self.display_name

    def get_absolute_url(self):
        return reverse("dlp:policy", kwargs={"pk": self.pk})

    @property
    def is_live(self):
        return not self.is_draft and self.deleted_at is None

    def url_pattern_rows(self):
        """(pattern, group label) of the custom connector URL patterns in order; "" for Ignore (the default group)."""
        labels = dict(Group.choices)
        return [(rule["pattern"], labels.get(rule["group"], "")) for rule in self.url_patterns]


class PolicyConnector(models.Model):
    """A connector a policy lists in one of its groups; unlisted connectors take the default group."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="connectors")
    connector = models.ForeignKey("inventory.Connector", on_delete=models.CASCADE, related_name="dlp_groups")
    group = models.CharField(max_length=20, choices=Group.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "connector"], name="dlp_policy_connector_once")]

    def __str__(self):
        return f"{self.connector} in {self.get_group_display()} of {self.policy}"


class Exemption(models.Model):
    """One app or flow exempt from one policy (the tenant's DLP resource exemptions), with why."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="exemptions")
    app = models.ForeignKey("inventory.App", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    flow = models.ForeignKey("inventory.Flow", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    from_tenant = models.BooleanField(default=False, help_text="Read from the tenant's exemptResources")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(app__isnull=False) ^ Q(flow__isnull=False),
                                   name="dlp_exempt_app_xor_flow"),
            models.UniqueConstraint(fields=["policy", "app"], name="dlp_exempt_app_once"),
            models.UniqueConstraint(fields=["policy", "flow"], name="dlp_exempt_flow_once"),
        ]

    def __str__(self):
        return f"{self.app or self.flow} exempt from {self.policy}"


# Impact results: written in bulk by services/impact.py, read by the review pages

class ImpactRun(models.Model):
    """One computation of impact: the live policies (current) against the live ones with a draft (proposed)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    draft = models.ForeignKey(Policy, null=True, blank=True, on_delete=models.CASCADE, related_name="impact_runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True, help_text="Items by change, and by connector")
    policy_ids = ArrayField(models.BigIntegerField(), default=list, blank=True,
                            help_text="The policies evaluated, in the order of the items' policy bits")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"Impact of {self.draft or 'the live policies'} #{self.pk}"


class _ResultRow(models.Model):
    # No database constraints on these references: rows are COPYed in bulk and replaced whole.
    run = models.ForeignKey(ImpactRun, on_delete=models.CASCADE, db_constraint=False, related_name="+")
    app = models.ForeignKey("inventory.App", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                            related_name="+")
    flow = models.ForeignKey("inventory.Flow", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                             related_name="+")
    environment = models.ForeignKey("inventory.Environment", on_delete=models.DO_NOTHING, db_constraint=False,
                                    related_name="+")
    maker = models.ForeignKey("inventory.Maker", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")

    class Meta:
        abstract = True

    @property
    def item(self):
        return self.app or self.flow

    @property
    def kind(self):
        return "app" if self.app_id else "flow"


class ImpactItem(_ResultRow):
    """An app or flow broken or exempt under the current or the proposed policies, and by which policies.

    The masks hold one bit per policy of the run (bit k: `run.policy_ids[k]`), so a row has a
    fixed width and a million of them COPY in binary. The exact connectors on each side are
    recomputed for the rows on screen (services/explain.py), from the same rules.
    """

    current = models.SmallIntegerField(choices=ItemStatus.choices)
    proposed = models.SmallIntegerField(choices=ItemStatus.choices)
    change = models.SmallIntegerField(choices=Change.choices)
    blocked_by = models.BigIntegerField(default=0, help_text="Policies whose blocked group it uses")
    mixed_by = models.BigIntegerField(default=0, help_text="Policies whose business and non-business groups it mixes")
    rules_by = models.BigIntegerField(default=0, db_default=0,
                                      help_text="Policies whose action or endpoint rules it breaks")
    exempt_from = models.BigIntegerField(default=0, help_text="Policies it breaks but is exempt from")

    class Meta:
        ordering = ["id"]
        # One index, on (run, item key), created in the migration: the incremental recompute replaces
        # one run's rows by item key. The table is UNLOGGED: its rows are derived, and recomputed.

    def __str__(self):
        return f"{self.get_change_display()}: {self.kind} {self.app_id or self.flow_id}"


class TargetProposal(models.Model):
    """An environment proposed for moving a broken item to, where no policy would break it."""

    app = models.OneToOneField("inventory.App", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    flow = models.OneToOneField("inventory.Flow", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    environment = models.ForeignKey("inventory.Environment", on_delete=models.CASCADE, related_name="+")
    draft = models.ForeignKey(Policy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(app__isnull=False) ^ Q(flow__isnull=False),
                                              name="dlp_target_app_xor_flow")]

    def __str__(self):
        return f"Move {self.app or self.flow} to {self.environment}"
