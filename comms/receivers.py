"""What a maker's answer sets off in other apps, and what comms does when the clean-up holds an item."""

from django.db import transaction
from django.dispatch import receiver

from inventory.choices import CleanupStage
from inventory.models import App, CleanupCase
from inventory.services.cleanup import do_release_item
from inventory.signals import cleanup_event

from .choices import Answer
from .signals import maker_answered

RELEASING_ANSWERS = (Answer.KEEP, Answer.MIGRATE)
# A hold that ended (held, or failed) may be the job's last: its owners' notice can be written then.
HOLD_ENDED = ("quarantined", "stopped", "failed")


@receiver(maker_answered, dispatch_uid="comms.release_answered_items")
def release_answered_items(sender, items, answer, justification="", **kwargs):
    """Release the quarantined or stopped items the owner still needs (keep, or migrate them)."""
    if answer not in RELEASING_ANSWERS:
        return
    apps = [item.pk for item in items if isinstance(item, App)]
    flows = [item.pk for item in items if not isinstance(item, App)]
    waiting = CleanupCase.objects.filter(stage=CleanupStage.WAITING)
    for case in waiting.filter(app_id__in=apps) | waiting.filter(flow_id__in=flows):
        do_release_item(case, None, f"{Answer(answer).label} (answered by e-mail): {justification}".strip(),
                        when_held=True)


@receiver(cleanup_event, dispatch_uid="comms.tell_owners_of_held_items")
def tell_owners_of_held_items(sender, case, stage, **kwargs):
    """Queue the owners' notice of a clean-up job (apps quarantined, flows stopped), or a reminder near its end.

    Only cases of a job (an admin's clean-up): the migration's clean-up of originals is told by its own message.
    """
    from .tasks import notify_cleanup_owners, remind_cleanup_owner

    if case.job_id is None:
        return
    if stage in HOLD_ENDED:
        job_id = case.job_id
        transaction.on_commit(lambda: notify_cleanup_owners.delay(job_id))
    elif stage == "reminder":
        transaction.on_commit(lambda: remind_cleanup_owner.delay(case.pk))
