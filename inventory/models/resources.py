from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.timesince import timesince

from coe_portal.core.links import pk_url

from ..choices import DISPOSITION_COLOURS, MIGRATION_STATUS, REASONS, AppKind, Disposition, FlowState, QuarantineStatus
from ..querysets import ItemQuerySet
from .base import SyncedItem

__all__ = ["App", "Bot", "Flow", "PagesSite"]


class Recommended(models.Model):
    """The disposition triage computes for an item (services/recommendations.py), with its reasons."""

    # Database defaults: the sync's COPY inserts rows without these columns.
    recommendation = models.CharField(max_length=20, choices=Disposition.choices, blank=True, db_default="",
                                      db_index=True)
    recommendation_reasons = models.CharField(max_length=300, blank=True, db_default="",
                                              help_text="Comma-separated reason codes")

    class Meta:
        abstract = True

    @property
    def reasons(self):
        return [REASONS.get(code, code) for code in self.recommendation_reasons.split(",") if code]

    def get_recommendation_colour(self):
        return DISPOSITION_COLOURS.get(self.recommendation, "")


class Migrated(models.Model):
    """Where the item stands in its latest live migration request, kept by migrations_app.

    Denormalised so the 300k-row lists show and filter it without a join: migrations_app
    updates it in the same transaction as every request or job state change
    (migrations_app.services.status.sync_items). Empty: no request, or only rejected/cancelled ones.
    """

    # Database defaults: the sync's COPY inserts rows without these columns.
    migration_status = models.CharField(max_length=20, blank=True, db_default="", default="", db_index=True,
                                        editable=False, help_text="A migrations_app RequestState value, or empty")
    migration_target = models.ForeignKey("inventory.Environment", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", editable=False)

    class Meta:
        abstract = True

    def get_migration_display(self):
        """'Requested', 'Migrating', 'Needs input', 'Migration failed', 'Migrated to <env>' or ''."""
        label = MIGRATION_STATUS.get(self.migration_status, ("", ""))[0]
        if self.migration_status == "done" and self.migration_target_id:
            return f"{label} to {self.migration_target.display_name}"
        return label


class Used(models.Model):
    """What the usage sources (usage app) know of an item's use, kept here so lists filter and sort on it.

    `usage_known_since`: every use since this moment is known (the audit feed's coverage for apps,
    the run history kept for a flow); empty while no source answered, or the last answer failed.
    `usage_checked_time`: when a source last answered for the item.
    """

    # Database defaults: the sync's COPY inserts rows without these columns.
    usage_known_since = models.DateTimeField(null=True, blank=True, db_default=None)
    usage_checked_time = models.DateTimeField(null=True, blank=True, db_default=None)
    usage_source = models.CharField(max_length=40, blank=True, db_default="", default="",
                                    help_text="Which source answered: audit feed, run history, Dataverse")

    class Meta:
        abstract = True

    @property
    def last_used_time(self):
        raise NotImplementedError

    def usage_known(self, days, now=None):
        """Whether every use in the last `days` days is known (services/recommendations.py has the same rule)."""
        now = now or timezone.now()
        fresh = now - timedelta(hours=settings.USAGE_STALE_AFTER_HOURS)
        return (self.usage_known_since is not None and self.usage_known_since <= now - timedelta(days=days)
                and self.usage_checked_time is not None and self.usage_checked_time >= fresh)

    def used_within(self, days, now=None):
        last = self.last_used_time
        return last is not None and last >= (now or timezone.now()) - timedelta(days=days)

    def unused_for(self, days, now=None):
        """True only when usage data shows no use for `days` days (and the item is older than that)."""
        now = now or timezone.now()
        since = now - timedelta(days=days)
        return (not self.used_within(days, now) and self.usage_known(days, now)
                and (self.created_time is None or self.created_time <= since))

    def usage_status(self, days, now=None):
        """("used" | "unused" | "new" | "unknown", words) over the last `days` days; "unknown" words say why."""
        now = now or timezone.now()
        if self.used_within(days, now):
            return "used", f"Used {timesince(self.last_used_time, now)} ago"
        if self.unused_for(days, now):
            return "unused", f"Unused for {days} days"
        if self.created_time is not None and self.created_time > now - timedelta(days=days):
            return "new", f"Created less than {days} days ago: too new to call unused"
        return "unknown", self.usage_gap(days, now)

    def usage_gap(self, days, now):
        """Why the use of the last `days` days is not known, in words (the source's own error is the usage app's)."""
        if self.usage_checked_time is None:
            return "no usage source has read it yet"
        if self.usage_checked_time < now - timedelta(hours=settings.USAGE_STALE_AFTER_HOURS):
            return (f"the last successful read was {timesince(self.usage_checked_time, now)} ago; "
                    "the source has not answered since")
        if self.usage_known_since is None:
            return "the last read of its usage failed or did not reach it"
        covered = (now - self.usage_known_since).days
        return f"the source has covered only {covered} day{'s' if covered != 1 else ''} so far, of the {days} needed"


class App(Used, Migrated, Recommended, SyncedItem):
    """A Power App: canvas, model-driven, SharePoint form or component library."""

    app_id = models.CharField(max_length=64, unique=True, help_text="App name (GUID)")
    environment = models.ForeignKey("inventory.Environment", on_delete=models.PROTECT, related_name="apps")
    display_name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=AppKind.choices, default=AppKind.CANVAS)
    owner = models.ForeignKey("inventory.Maker", null=True, blank=True, on_delete=models.SET_NULL, related_name="apps")
    created_time = models.DateTimeField(null=True, blank=True)
    modified_time = models.DateTimeField(null=True, blank=True, db_index=True)
    published_time = models.DateTimeField(null=True, blank=True)
    last_launched_time = models.DateTimeField(null=True, blank=True, db_index=True,
                                              help_text="From the audit feed or an imported audit export")
    launches_30d = models.PositiveIntegerField(null=True, blank=True, db_default=None,
                                               help_text="Launches in the last 30 days (audit feed); empty: unknown")
    unique_users_30d = models.PositiveIntegerField(null=True, blank=True, db_default=None,
                                                   help_text="Distinct users who launched it in the last 30 days")
    shared_users_count = models.PositiveIntegerField(default=0)
    shared_groups_count = models.PositiveIntegerField(default=0)
    is_solution_aware = models.BooleanField(default=False)
    open_url = models.URLField(max_length=500, blank=True)
    quarantine_status = models.CharField(max_length=20, choices=QuarantineStatus.choices, blank=True)
    uses_premium = models.BooleanField(default=False)
    uses_custom_connector = models.BooleanField(default=False)
    uses_excel = models.BooleanField(default=False)
    uses_sharepoint_list = models.BooleanField(default=False)
    data_sources = models.JSONField(default=list, blank=True)
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="apps")

    owner_field = "owner"
    last_used_field = "last_launched_time"
    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [models.Index(fields=["environment", "modified_time"]),
                   # the list pages sort by name and keep their first pages cheap at 300k rows
                   models.Index(fields=["display_name", "id"], name="app_name_id"),
                   models.Index(fields=["shared_users_count"], name="app_shared")]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return pk_url("inventory:app-detail", self.pk)

    @property
    def last_used_time(self):
        return self.last_launched_time


class Flow(Used, Migrated, Recommended, SyncedItem):
    """A cloud flow. Its connectors come from the detail call, made again only when it changed."""

    flow_id = models.CharField(max_length=64, unique=True, help_text="Flow name (GUID)")
    environment = models.ForeignKey("inventory.Environment", on_delete=models.PROTECT, related_name="flows")
    display_name = models.CharField(max_length=300)
    state = models.CharField(max_length=20, choices=FlowState.choices, default=FlowState.STARTED)
    suspension_reason = models.CharField(max_length=100, blank=True)
    # Filled from the flow's details, which the listing does not carry: the database
    # defaults let the sync insert a listed flow before its details arrive.
    trigger_kind = models.CharField(max_length=60, blank=True, db_default="")
    has_http_trigger = models.BooleanField(default=False, db_default=False)
    trigger_url = models.URLField(max_length=1000, blank=True, db_default="")
    trigger_connector = models.CharField(max_length=100, blank=True, db_default="", default="",
                                         help_text="Connector the trigger listens on (e.g. shared_sharepointonline)")
    trigger_table = models.CharField(max_length=100, blank=True, db_default="", default="",
                                     help_text="Dataverse table a row trigger watches (logical name), when known")
    is_solution_aware = models.BooleanField(default=False)
    creator = models.ForeignKey("inventory.Maker", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="flows")
    created_time = models.DateTimeField(null=True, blank=True)
    modified_time = models.DateTimeField(null=True, blank=True, db_index=True)
    # The modified time the stored details were read at; differs from modified_time when
    # the flow changed since, so the sync knows which details to fetch again.
    details_modified_time = models.DateTimeField(null=True, blank=True)
    last_run_time = models.DateTimeField(null=True, blank=True, db_default=None, db_index=True)
    last_success_time = models.DateTimeField(null=True, blank=True, db_default=None)
    last_failure_time = models.DateTimeField(null=True, blank=True, db_default=None)
    runs_30d = models.PositiveIntegerField(null=True, blank=True, db_default=None,
                                           help_text="Runs started in the last 30 days; empty: unknown")
    failures_30d = models.PositiveIntegerField(null=True, blank=True, db_default=None)
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="flows")

    owner_field = "creator"
    last_used_field = "last_run_time"
    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [models.Index(fields=["environment", "modified_time"]),
                   models.Index(fields=["display_name", "id"], name="flow_name_id"),
                   # the flow list's state filter (Stopped, Suspended: a few percent of flows), newest first;
                   # on live flows only, so the list's bounded count reads the index alone (no row per flow)
                   models.Index(fields=["state", "modified_time"], name="flow_live_state_modified",
                                condition=models.Q(deleted_at__isnull=True))]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return pk_url("inventory:flow-detail", self.pk)

    @property
    def last_used_time(self):
        return self.last_run_time

    @property
    def failure_rate(self):
        """Failed share of the last 30 days' runs (0-1), None when no run is known."""
        return self.failures_30d / self.runs_30d if self.runs_30d else None


class Bot(SyncedItem):
    """A Copilot Studio agent (bot)."""

    bot_id = models.CharField(max_length=64, unique=True)
    environment = models.ForeignKey("inventory.Environment", on_delete=models.PROTECT, related_name="bots")
    display_name = models.CharField(max_length=300)
    owner = models.ForeignKey("inventory.Maker", null=True, blank=True, on_delete=models.SET_NULL, related_name="bots")
    created_time = models.DateTimeField(null=True, blank=True)
    modified_time = models.DateTimeField(null=True, blank=True)
    is_published = models.BooleanField(default=False)
    conversations_30d = models.PositiveIntegerField(null=True, blank=True, db_default=None,
                                                    help_text="Conversations in 30 days (Dataverse transcripts)")
    last_conversation_time = models.DateTimeField(null=True, blank=True, db_default=None)
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="bots")

    owner_field = "owner"
    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["display_name", "id"]

    def __str__(self):
        return self.display_name


class PagesSite(SyncedItem):
    """A Power Pages website."""

    site_id = models.CharField(max_length=64, unique=True)
    environment = models.ForeignKey("inventory.Environment", on_delete=models.PROTECT, related_name="sites")
    display_name = models.CharField(max_length=300)
    owner = models.ForeignKey("inventory.Maker", null=True, blank=True, on_delete=models.SET_NULL, related_name="sites")
    website_url = models.URLField(max_length=500, blank=True)
    created_time = models.DateTimeField(null=True, blank=True)
    modified_time = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="sites")

    owner_field = "owner"
    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["display_name", "id"]
        verbose_name = "Power Pages site"

    def __str__(self):
        return self.display_name
