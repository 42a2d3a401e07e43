"""Create plans, start the copy and advance checklists: the only writers of plan rows."""

from django.db import transaction
from django.utils import timezone

from coe_portal.core.choices import JobStatus
from coe_portal.core.models import JobRun

from ...choices import ItemStatus, PlanKind, PlanStatus
from ...models import ChecklistItem, CopyEnvironmentPlan, Plan
from . import copy_environment, portal_move, tenant_move
from .common import create_checklist

__all__ = ["PlanRejected", "create_plan", "do_start_copy", "do_update_item", "refresh_status"]


class PlanRejected(Exception):
    """The plan breaks rules; `rejections` say which, as the user reads them."""

    def __init__(self, rejections):
        self.rejections = rejections
        super().__init__("; ".join(r.message for r in rejections))


def rejections_for(plan):
    """Every rule the (unsaved or saved) plan breaks."""
    if plan.kind == PlanKind.COPY_ENVIRONMENT or isinstance(plan, CopyEnvironmentPlan):
        return copy_environment.check_copy(plan.source, plan.target, plan.level)
    if hasattr(plan, "destination_cloud"):
        return tenant_move.check_move(plan.environment, plan.source_cloud, plan.destination_cloud)
    return portal_move.check_portal_move(plan)


def steps_for(plan):
    if isinstance(plan, CopyEnvironmentPlan):
        return copy_environment.post_copy_steps(plan)
    if hasattr(plan, "destination_cloud"):
        return tenant_move.move_steps(plan, tenant_move.components(plan.environment))
    return portal_move.portal_steps(plan)


@transaction.atomic
def create_plan(plan, owner):
    """Save a plan that passes its rules, READY, with its checklist; raise PlanRejected otherwise."""
    rejections = rejections_for(plan)
    if rejections:
        raise PlanRejected(rejections)
    plan.owner, plan.status = owner, PlanStatus.READY
    plan.save()
    create_checklist(plan, steps_for(plan))
    return plan


@transaction.atomic
def do_start_copy(plan, user, typed_name):
    """Confirm and start the copy: a JobRun row first, the tracking task on commit."""
    from ... import tasks

    plan = CopyEnvironmentPlan.objects.select_for_update().get(pk=plan.pk)
    rejections = copy_environment.check_copy(plan.source, plan.target, plan.level)
    rejections += copy_environment.check_confirmation(plan.target, typed_name)
    if plan.job_id:
        raise PlanRejected([copy_environment.Rejection("confirmation", "This copy has already been started.")])
    if rejections:
        raise PlanRejected(rejections)
    plan.job = JobRun.objects.create(kind="copy_environment", created_by=user, progress_total=3)
    plan.confirmed_by, plan.confirmed_at, plan.status = user, timezone.now(), PlanStatus.IN_PROGRESS
    plan.save(update_fields=["job", "confirmed_by", "confirmed_at", "status", "updated"])
    transaction.on_commit(lambda: tasks.track_copy.delay(plan.pk))
    return plan


@transaction.atomic
def do_update_item(item, owner, status):
    """Set a checklist item's owner and status, then the plan's status from its checklist."""
    ChecklistItem.objects.filter(pk=item.pk).update(owner=owner, status=status, updated=timezone.now())
    return refresh_status(Plan.objects.select_for_update().get(pk=item.plan_id))


def refresh_status(plan):
    """READY -> IN_PROGRESS once work starts; COMPLETED when the checklist is done (and a copy succeeded)."""
    if plan.status == PlanStatus.FAILED:
        return plan
    copy = plan.specific if plan.kind == PlanKind.COPY_ENVIRONMENT else None
    copied = copy is None or copy.operation_status == "Succeeded"
    if plan.checklist_done() and copied:
        status = PlanStatus.COMPLETED
    elif copy is not None and copy.job_id and copy.job.status != JobStatus.COMPLETED:
        status = PlanStatus.IN_PROGRESS
    elif plan.checklist.exclude(status=ItemStatus.TODO).exists() or (copy is not None and copy.job_id):
        status = PlanStatus.IN_PROGRESS
    else:
        status = PlanStatus.READY
    if status != plan.status:
        plan.status = status
        plan.completed = timezone.now() if status == PlanStatus.COMPLETED else None
        Plan.objects.filter(pk=plan.pk).update(status=status, completed=plan.completed, updated=timezone.now())
    return plan
