from django.db import models

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


class App(Migrated, Recommended, SyncedItem):
    """A Power App: canvas, model-driven, SharePoint form or component library."""

    app_id = models.CharField(max_length=64, unique=True, help_text="App name (GUID)")
    environment = models.ForeignKey("inventory.Environment", on_delete=models.PROTECT, related_name="apps")
    display_name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=AppKind.choices, default=AppKind.CANVAS)
    owner = models.ForeignKey("inventory.Maker", null=True, blank=True, on_delete=models.SET_NULL, related_name="apps")
    created_time = models.DateTimeField(null=True, blank=True)
    modified_time = models.DateTimeField(null=True, blank=True, db_index=True)
    published_time = models.DateTimeField(null=True, blank=True)
    last_launched_time = models.DateTimeField(null=True, blank=True, help_text="From the audit log, when imported")
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


class Flow(Migrated, Recommended, SyncedItem):
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
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="flows")

    owner_field = "creator"
    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [models.Index(fields=["environment", "modified_time"]),
                   models.Index(fields=["display_name", "id"], name="flow_name_id"),
                   # the flow list's state filter (Stopped, Suspended: a few percent of flows), newest first
                   models.Index(fields=["state", "modified_time"], name="flow_state_modified")]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return pk_url("inventory:flow-detail", self.pk)


class Bot(SyncedItem):
    """A Copilot Studio agent (bot)."""

    bot_id = models.CharField(max_length=64, unique=True)
    environment = models.ForeignKey("inventory.Environment", on_delete=models.PROTECT, related_name="bots")
    display_name = models.CharField(max_length=300)
    owner = models.ForeignKey("inventory.Maker", null=True, blank=True, on_delete=models.SET_NULL, related_name="bots")
    created_time = models.DateTimeField(null=True, blank=True)
    modified_time = models.DateTimeField(null=True, blank=True)
    is_published = models.BooleanField(default=False)
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
