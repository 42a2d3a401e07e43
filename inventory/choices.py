from django.db import models

__all__ = [
    "AppKind", "ConnectorTier", "EnvironmentType", "FlowState", "QuarantineStatus", "SyncKind", "SyncStatus",
]


class EnvironmentType(models.TextChoices):
    DEFAULT = "Default", "Default"
    PRODUCTION = "Production", "Production"
    SANDBOX = "Sandbox", "Sandbox"
    DEVELOPER = "Developer", "Developer"
    TRIAL = "Trial", "Trial"
    TEAMS = "Teams", "Teams"
    OTHER = "Other", "Other"


class AppKind(models.TextChoices):
    CANVAS = "canvas", "Canvas app"
    MODEL_DRIVEN = "model_driven", "Model-driven app"
    SHAREPOINT_FORM = "sharepoint_form", "SharePoint form"
    COMPONENT_LIBRARY = "component_library", "Component library"
    CUSTOM_PAGE = "custom_page", "Custom page"


class QuarantineStatus(models.TextChoices):
    NONE = "", "Not quarantined"
    QUARANTINED = "quarantined", "Quarantined"


class FlowState(models.TextChoices):
    STARTED = "Started", "Started"
    STOPPED = "Stopped", "Stopped"
    SUSPENDED = "Suspended", "Suspended"


class ConnectorTier(models.TextChoices):
    STANDARD = "standard", "Standard"
    PREMIUM = "premium", "Premium"
    UNKNOWN = "", "Unknown"


class SyncKind(models.TextChoices):
    FULL = "full", "Full"
    INCREMENTAL = "incremental", "Incremental"
    USAGE_AUDIT = "usage_audit", "Usage: app launches"
    USAGE_RUNS = "usage_runs", "Usage: runs and conversations"


class SyncStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
    FAILED = "failed", "Failed"


SYNC_STATUS_COLOURS = {
    SyncStatus.RUNNING: "blue",
    SyncStatus.COMPLETED: "green",
    SyncStatus.COMPLETED_WITH_ERRORS: "grey",
    SyncStatus.FAILED: "red",
}


class Disposition(models.TextChoices):
    KEEP = "keep", "Keep in default"
    MIGRATE = "migrate", "Migrate"
    QUARANTINE = "quarantine", "Quarantine"
    DELETE = "delete", "Delete"


DISPOSITION_COLOURS = {"keep": "green", "migrate": "blue", "quarantine": "grey", "delete": "red", "": ""}

# Reason codes stored on items, with the words the pages show (seed 000's criteria).
REASONS = {
    "shared_widely": "Shared with many users",
    "excel_data": "Uses Excel workbook data",
    "heavy_sharepoint": "Heavy SharePoint-list use",
    "custom_connector": "Uses a custom connector",
    "inactive": "Not used for the inactive period (usage data)",
    "long_inactive": "Not used for the deletion period (usage data)",
    "usage_unknown": "Usage unknown: no usage data covers the inactive period yet, so no clean-up is suggested",
    "orphaned": "Owner left or is disabled",
}


class TagRuleKind(models.TextChoices):
    CONNECTOR = "connector", "Uses connector"
    DEPARTMENT = "department", "Owner department is"
    LOCATION = "location", "Owner location is"
    INACTIVE = "inactive", "Unused for more than N days (usage data)"
    SHARED = "shared", "Shared with more than N users"
    DEFAULT_ENV = "default_env", "In the default environment"
    EXCEL_SHAREPOINT = "excel_sharepoint", "Uses Excel or SharePoint-list data"


class TagRuleTarget(models.TextChoices):
    BOTH = "both", "Apps and flows"
    APPS = "apps", "Apps"
    FLOWS = "flows", "Flows"


class CleanupMode(models.TextChoices):
    QUARANTINE = "quarantine", "Quarantine, then back up and delete"
    DELETE_ONLY = "delete_only", "Delete only (no backup)"


class CleanupStage(models.TextChoices):
    PENDING = "pending", "Pending"
    WAITING = "waiting", "Waiting for the owner"
    RELEASING = "releasing", "Releasing"
    RELEASED = "released", "Released by the owner"
    EXPIRED = "expired", "Grace period over"
    BACKING_UP = "backing_up", "Backing up"
    BACKED_UP = "backed_up", "Backed up"
    DELETING = "deleting", "Deleting"
    DELETED = "deleted", "Deleted"
    FAILED = "failed", "Failed"


# Where an app or flow stands in its latest live migration request (issue 7). The values are
# migrations_app's RequestState values, kept on the item by that app on every state change.
MIGRATION_STATUS = {
    "requested": ("Requested", "grey"), "approved": ("Requested", "grey"), "scheduled": ("Requested", "blue"),
    "running": ("Migrating", "blue"), "needs_input": ("Needs input", "orange"), "failed": ("Migration failed", "red"),
    "done": ("Migrated", "green"),
}
# The list filter's groups of those states ("none": no live request).
MIGRATION_GROUPS = {"requested": ("requested", "approved", "scheduled"),
                    "migrating": ("running", "needs_input", "failed"), "migrated": ("done",)}
MIGRATION_FILTER_CHOICES = [("requested", "Requested"), ("migrating", "Migrating (incl. needs input, failed)"),
                            ("migrated", "Migrated"), ("none", "No migration")]
