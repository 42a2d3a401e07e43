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
