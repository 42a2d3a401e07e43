from celery import shared_task
from django.conf import settings

from .services.plans import copy_run

__all__ = ["export_legacy_package", "track_copy"]


@shared_task(acks_late=True, ignore_result=True)
def track_copy(plan_id):
    """Advance copy plan `plan_id` one step; poll again later until the operation ends."""
    if copy_run.step(plan_id) != copy_run.DONE:
        track_copy.apply_async((plan_id,), countdown=settings.ENVOPS_POLL_SECONDS)


# Legacy packages

@shared_task(acks_late=True, ignore_result=True)
def export_legacy_package(package_id):
    """Export legacy package `package_id` (a no-op when another worker has claimed it)."""
    from .services.packages import run_package_export

    run_package_export(package_id)
