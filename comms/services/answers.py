"""A maker's answer from a signed link: store it per item, stop the cadence, tell other apps."""

from django.db import transaction
from django.utils import timezone

from coe_portal.core import audit

from ..choices import Answer
from ..models import Recipient
from ..signals import maker_answered

__all__ = ["AnswerError", "do_answer", "do_mark_reviewed"]


class AnswerError(ValueError):
    """An answer that cannot be accepted (e.g. keep without a justification)."""


def do_answer(recipient, answer, justification="", item_ids=None, request=None):
    """Record `answer` for the recipient's items (all, or those in item_ids); return the items.

    "migrate" records the intent on the items; the migration app turns it into a request
    through the maker_answered signal.
    """
    answer, justification = Answer(answer), (justification or "").strip()
    if answer == Answer.KEEP and not justification:
        raise AnswerError("Say why the items must be kept: a business justification is required.")
    entries = list(recipient.items.select_related("app", "flow"))
    if item_ids is not None:
        entries = [entry for entry in entries if entry.pk in set(item_ids)]
        if not entries:
            raise AnswerError("Choose at least one item.")
    now = timezone.now()
    with transaction.atomic():
        for entry in entries:
            entry.answer, entry.justification, entry.answered_at = answer, justification, now
        recipient.items.model.objects.bulk_update(entries, ["answer", "justification", "answered_at"])
        Recipient.objects.filter(pk=recipient.pk).update(answer=answer, justification=justification,
                                                         answered_at=now, next_reminder_at=None, reviewed_at=None)
        recipient.refresh_from_db()
        audit.record(request, f"comms.answer.{answer}", recipient, items=[str(entry.item) for entry in entries],
                     maker=recipient.email, justification=justification)
        items = [entry.item for entry in entries]
        transaction.on_commit(lambda: maker_answered.send(sender=Recipient, maker=recipient.maker, items=items,
                                                          answer=answer.value, justification=justification,
                                                          recipient=recipient))
    return items


def do_mark_reviewed(recipient, request):
    Recipient.objects.filter(pk=recipient.pk).update(reviewed_at=timezone.now())
    audit.record(request, "comms.answer.reviewed", recipient, answer=recipient.answer)
