"""What a maker's answer sets off in other apps: an item to keep or migrate leaves the clean-up."""

from django.dispatch import receiver

from inventory.choices import CleanupStage
from inventory.models import App, CleanupCase
from inventory.services.cleanup import do_release_item

from .choices import Answer
from .signals import maker_answered

RELEASING_ANSWERS = (Answer.KEEP, Answer.MIGRATE)


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
