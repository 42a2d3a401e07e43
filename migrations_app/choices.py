from django.db import models

__all__ = [
    "Cloud", "CopyLevel", "ItemStatus", "PACKAGE_STATUS_COLOURS", "PLAN_STATUS_COLOURS", "PackageStatus", "PlanKind",
    "PlanStatus", "PortalTemplate",
]


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
