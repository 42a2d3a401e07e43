"""A maker's answer from a signed link: store it per item, stop the cadence once all are answered, tell other apps."""

from django.db import transaction
from django.utils import timezone

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.permissions import has_role
from inventory.models import Maker

from ..choices import Answer
from ..models import Recipient
from ..signals import FollowUp, maker_answered

__all__ = ["AnswerError", "SignInRequired", "do_answer", "do_mark_reviewed", "signed_in_as_recipient"]

# "Need help" changes nothing about an item; the others release, migrate or delete it.
CHANGES_STATE = {Answer.KEEP, Answer.MIGRATE, Answer.DELETE}


class AnswerError(ValueError):
    """An answer that cannot be accepted (e.g. keep without a justification)."""


class SignInRequired(AnswerError):
    """An answer the link alone may not give: a deletion, or a second change of the same items."""


def signed_in_as_recipient(user, recipient):
    """True when `user` is the maker the message went to (or a CoE admin), signed in to the portal."""
    if not user.is_authenticated:
        return False
    return has_role(user, Role.COE_ADMIN) or Maker.objects.for_user(user).filter(pk=recipient.maker_id).exists()


def check_link_may_answer(answer, entries):
    """The link is a credential anyone it was forwarded to holds: it may set each item's answer once
    (per message and item), and never delete. Raise SignInRequired otherwise."""
    if answer == Answer.DELETE:
        raise SignInRequired("Deleting needs you to sign in to the portal first: sign in, then open the link again.")
    answered = [str(entry.item) for entry in entries if entry.answered_at and entry.answer in CHANGES_STATE]
    if answer in CHANGES_STATE and answered:
        raise SignInRequired(f"{', '.join(answered)} already has an answer from this message; sign in to the "
                             "portal to change it.")


def do_answer(recipient, answer, justification="", item_ids=None, request=None, by_link=False, follow_ups=None):
    """Record `answer` for the recipient's items (all, or those in item_ids); return the items.

    "migrate" records the intent on the items; the migration app turns it into a request
    through the maker_answered signal. `by_link`: the answer came with the signed link alone (no
    session of the recipient), so check_link_may_answer applies. `follow_ups`: a list that
    receives the signal receivers' FollowUps once the answer is committed.
    """
    answer, justification = Answer(answer), (justification or "").strip()
    if answer == Answer.KEEP and not justification:
        raise AnswerError("Say why the items must be kept: a business justification is required.")
    entries = list(recipient.items.select_related("app", "flow"))
    if item_ids is not None:
        entries = [entry for entry in entries if entry.pk in set(item_ids)]
        if not entries:
            raise AnswerError("Choose at least one item.")
    if by_link:
        check_link_may_answer(answer, entries)
    now = timezone.now()
    with transaction.atomic():
        for entry in entries:
            entry.answer, entry.justification, entry.answered_at = answer, justification, now
        recipient.items.model.objects.bulk_update(entries, ["answer", "justification", "answered_at"])
        Recipient.objects.filter(pk=recipient.pk).update(answer=answer, justification=justification,
                                                         answered_at=now, reviewed_at=None)
        # The cadence stops only once every item of the message has an answer.
        Recipient.objects.filter(pk=recipient.pk).fully_answered().update(next_reminder_at=None)
        recipient.refresh_from_db()
        audit.record(request, f"comms.answer.{answer}", recipient, items=[str(entry.item) for entry in entries],
                     maker=recipient.email, justification=justification, via="link" if by_link else "session",
                     on_behalf_of=f"answer link sent to {recipient.email}")
        items = [entry.item for entry in entries]
        transaction.on_commit(lambda: _send_answered(recipient, items, answer, justification, follow_ups))
    return items


def _send_answered(recipient, items, answer, justification, follow_ups):
    responses = maker_answered.send(sender=Recipient, maker=recipient.maker, items=items, answer=answer.value,
                                    justification=justification, recipient=recipient)
    for _, response in responses:
        found = response if isinstance(response, list) else [response]
        if follow_ups is not None:
            follow_ups.extend(f for f in found if isinstance(f, FollowUp))


def do_mark_reviewed(recipient, request):
    Recipient.objects.filter(pk=recipient.pk).update(reviewed_at=timezone.now())
    audit.record(request, "comms.answer.reviewed", recipient, answer=recipient.answer)
