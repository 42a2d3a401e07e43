"""What the usage sources answered: launches, runs and conversations per day, and each source's state.

Counts are kept per item id as the tenant names it (app and flow GUIDs, bot ids), not as foreign
keys: a launch can be read before the inventory sync has seen its app. services/summaries.py
copies the figures onto the inventory's items.
"""

from django.db import models
from django.utils import timezone

__all__ = ["AdvisorResource", "AgentConversationDay", "AppLaunchDay", "AuditContent", "FlowRunDay", "FlowRunState",
           "LaunchRecord", "UsageSource"]


class UsageSource(models.Model):
    """One source of usage (the audit feed, the run history, each Dataverse org, Advisor) and its health."""

    class State(models.TextChoices):
        NEVER = "never", "Not read yet"
        OK = "ok", "Working"
        FAILED = "failed", "Failing"
        UNAVAILABLE = "unavailable", "Not available in this tenant"

    key = models.CharField(max_length=120, unique=True)
    label = models.CharField(max_length=200)
    state = models.CharField(max_length=20, choices=State.choices, default=State.NEVER)
    covered_since = models.DateTimeField(null=True, blank=True,
                                         help_text="Every use since this moment has been read (no gap since)")
    watermark = models.DateTimeField(null=True, blank=True, help_text="Read up to here; the next read starts here")
    subscribed_at = models.DateTimeField(null=True, blank=True, help_text="When the portal started the feed")
    last_success = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    COLOURS = {State.NEVER: "grey", State.OK: "green", State.FAILED: "red", State.UNAVAILABLE: "grey"}

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.label

    def get_state_colour(self):
        return self.COLOURS.get(self.state, "grey")

    def succeeded(self, at=None):
        self.state, self.last_success, self.last_error = self.State.OK, at or timezone.now(), ""

    def failed(self, message, unavailable=False):
        self.state = self.State.UNAVAILABLE if unavailable else self.State.FAILED
        self.last_error, self.last_error_at = message[:2000], timezone.now()


class AuditContent(models.Model):
    """A blob of the audit feed, recorded when listed and stamped once its records are counted."""

    content_id = models.CharField(max_length=300, unique=True)
    content_uri = models.URLField(max_length=1000)
    content_created = models.DateTimeField(db_index=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    records = models.PositiveIntegerField(default=0)
    launches = models.PositiveIntegerField(default=0, help_text="Launch records it carried (repeats included)")
    error = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return self.content_id

class LaunchRecord(models.Model):
    """The audit record ids already counted: the feed repeats records, and each counts once."""

    record_id = models.UUIDField(primary_key=True)
    seen_at = models.DateTimeField()  # pruned by a scan once a run: an index would cost every insert more

    def __str__(self):
        return str(self.record_id)

class AppLaunchDay(models.Model):
    """Launches of one app by one user on one day (UTC)."""

    app_guid = models.UUIDField()
    day = models.DateField()
    user_key = models.CharField(max_length=120, help_text="The user's Entra object id, else their UPN")
    launches = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app_guid", "day", "user_key"], name="usage_launch_day")]

    def __str__(self):
        return f"{self.app_guid} {self.day}: {self.launches}"

class FlowRunDay(models.Model):
    """Runs of one flow started on one day (UTC), by outcome."""

    flow_guid = models.CharField(max_length=64)
    day = models.DateField()
    runs = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    last_run = models.DateTimeField(null=True)
    last_success = models.DateTimeField(null=True)
    last_failure = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow_guid", "day"], name="usage_run_day")]
        indexes = [models.Index(fields=["day"], name="usage_run_by_day")]

    def __str__(self):
        return f"{self.flow_guid} {self.day}: {self.runs}"

class FlowRunState(models.Model):
    """How far one flow's runs have been read, and since when they are all known."""

    flow_guid = models.CharField(max_length=64, primary_key=True)
    source = models.CharField(max_length=40)
    through = models.DateTimeField(help_text="Runs started before this moment have been read")
    known_since = models.DateTimeField()

    def __str__(self):
        return f"{self.flow_guid} through {self.through}"

class AgentConversationDay(models.Model):
    """Conversations one Copilot Studio agent had on one day (UTC), from its environment's transcripts."""

    bot_guid = models.CharField(max_length=64)
    day = models.DateField()
    conversations = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bot_guid", "day"], name="usage_conversation_day")]

    def __str__(self):
        return f"{self.bot_guid} {self.day}: {self.conversations}"

class AdvisorResource(models.Model):
    """A resource Power Platform Advisor lists under one recommendation, with the usage it reports."""

    scenario = models.CharField(max_length=200)
    resource_id = models.CharField(max_length=200)
    resource_type = models.CharField(max_length=100, blank=True)
    resource_name = models.CharField(max_length=300, blank=True)
    environment_id = models.CharField(max_length=100, blank=True)
    last_accessed = models.DateTimeField(null=True, blank=True)
    unique_users_30d = models.FloatField(null=True, blank=True)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scenario", "resource_id"], name="usage_advisor_resource")]
        indexes = [models.Index(fields=["resource_id"], name="usage_advisor_by_id")]

    def __str__(self):
        return f"{self.scenario}: {self.resource_id}"
