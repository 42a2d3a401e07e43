from django.db import models

__all__ = ["JOB_STATE_COLOURS", "PACKAGE_STATUS_COLOURS", "PLAN_STATUS_COLOURS", "REQUEST_STATE_COLOURS", "Cloud",
           "CopyLevel", "ItemStatus", "JobState", "PackageStatus", "PlanKind", "PlanStatus", "PortalTemplate",
           "RequestState", "SourceAction", "Step", "WaveState"]


class PlanKind(models.TextChoices):
    COPY_ENVIRONMENT = "copy_environment", "Copy environment"
    TENANT_MOVE = "tenant_move", "Tenant-to-tenant move"
    PORTAL_MOVE = "portal_move", "Portal configuration move"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


PLAN_STATUS_COLOURS = {
    PlanStatus.DRAFT: "grey", PlanStatus.READY: "blue", PlanStatus.IN_PROGRESS: "blue",
    PlanStatus.COMPLETED: "green", PlanStatus.FAILED: "red",
}


class ItemStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_NEEDED = "not_needed", "Not needed"


class CopyLevel(models.TextChoices):
    EVERYTHING = "everything", "Everything"
    CUSTOMIZATIONS = "customizations", "Customizations and schemas only"


class PortalTemplate(models.TextChoices):
    BLANK = "blank", "Custom portal (Blank portal)"
    COMMUNITY = "community", "Community portal"
    CUSTOMER_SELF_SERVICE = "customer_self_service", "Customer Self-Service portal"
    PARTNER = "partner", "Partner portal"
    EMPLOYEE_SELF_SERVICE = "employee_self_service", "Employee Self-Service portal"


class Cloud(models.TextChoices):
    PUBLIC = "public", "Public cloud"
    GCC = "gcc", "GCC"
    GCC_HIGH = "gcc_high", "GCC High"
    DOD = "dod", "DoD"


# Legacy packages

class PackageStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Exporting"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


PACKAGE_STATUS_COLOURS = {PackageStatus.PENDING: "grey", PackageStatus.RUNNING: "blue", PackageStatus.DONE: "green",
                          PackageStatus.FAILED: "red"}

# Maker migration requests, waves and jobs (issue 7)

class RequestState(models.TextChoices):
    DRAFT = "draft", "Draft"  # made from a maker's "migrate" e-mail answer; the maker checks and sends it
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    NEEDS_INPUT = "needs_input", "Needs input"
    DONE = "done", "Migrated"
    FAILED = "failed", "Failed"


REQUEST_STATE_COLOURS = {
    "draft": "grey", "requested": "grey", "approved": "blue", "rejected": "red", "cancelled": "grey",
    "scheduled": "blue", "running": "blue", "needs_input": "orange", "done": "green", "failed": "red",
}


class SourceAction(models.TextChoices):
    QUARANTINE = "quarantine", "Quarantine the original, delete it after the grace period"
    KEEP = "keep", "Keep the original"


class WaveState(models.TextChoices):
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    NEEDS_INPUT = "needs_input", "Needs input"
    FAILED = "failed", "Failed"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


JOB_STATE_COLOURS = {"queued": "grey", "running": "blue", "needs_input": "orange", "failed": "red",
                     "done": "green", "cancelled": "grey"}


class Step(models.TextChoices):
    """The pipeline's steps, in order. Connections are mapped before the import: the import needs them."""

    PRECHECK = "precheck", "Pre-check"
    PACKAGE = "package", "Add to a solution"
    EXPORT = "export", "Export and back up"
    CONNECTIONS = "connections", "Map connections"
    IMPORT = "import", "Import into the target"
    ACTIVATE = "activate", "Turn on and verify"
    NOTIFY = "notify", "Notify the maker"
    CLEANUP = "cleanup", "Clean up the source"
