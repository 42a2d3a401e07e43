from django.db import models

__all__ = ["Answer", "Audience", "CampaignStatus", "DeliveryKind", "DeliveryStatus", "SourceKind", "Stage"]


class Stage(models.TextChoices):
    """Points in a migration at which makers hear from the CoE (seed 000)."""

    IDENTIFIED = "identified", "Identified"
    DLP_IMPACT = "dlp_impact", "DLP impact"
    QUARANTINE = "quarantine", "Quarantine notice"
    REMINDER = "reminder", "Reminder"
    MIGRATION_SCHEDULED = "migration_scheduled", "Migration scheduled"
    MIGRATION_APPROVED = "migration_approved", "Migration request approved"
    MIGRATION_NEEDS_INPUT = "migration_needs_input", "Migration waiting for the maker"
    MIGRATION_COMPLETED = "migration_completed", "Migration completed"
    DELETION_WARNING = "deletion_warning", "Deletion warning"
    DELETED = "deleted", "Deleted, with backup location"


class Audience(models.TextChoices):
    APP_OWNERS = "app_owners", "App owners"
    APP_USERS = "app_users", "App users"
    DEPARTMENT_HEADS = "department_heads", "Department heads"
    IT = "it", "IT"
    SECURITY = "security", "Security & compliance"
    EXECUTIVES = "executives", "Executives"


class SourceKind(models.TextChoices):
    TAG = "tag", "Items with a tag"
    APP_FILTER = "app_filter", "Apps matching a filter"
    FLOW_FILTER = "flow_filter", "Flows matching a filter"
    SELECTION = "selection", "Selected items"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    LAUNCHING = "launching", "Launching"
    ACTIVE = "active", "Active"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"


CAMPAIGN_STATUS_COLOURS = {"draft": "grey", "scheduled": "blue", "launching": "blue", "active": "green",
                           "finished": "grey", "failed": "red"}


class DeliveryKind(models.TextChoices):
    FIRST = "first", "First message"
    REMINDER = "reminder", "Reminder"
    DIGEST = "digest", "Department digest"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Answer(models.TextChoices):
    KEEP = "keep", "Keep"
    MIGRATE = "migrate", "Migrate"
    DELETE = "delete", "Delete"
    HELP = "help", "Need help"
