from django.db import models

__all__ = ["JobStatus", "Role"]


class Role(models.TextChoices):
    """The portal's roles; each is a Django group whose name is the label."""

    COE_ADMIN = "coe_admin", "CoE admin"
    MAKER = "maker", "Maker"
    MANAGER = "manager", "Manager"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


JOB_STATUS_COLOURS = {
    JobStatus.PENDING: "grey",
    JobStatus.RUNNING: "blue",
    JobStatus.COMPLETED: "green",
    JobStatus.FAILED: "red",
}
