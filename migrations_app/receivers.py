"""What other apps' events set off here: a maker's "migrate" e-mail answer drafts a migration request."""

import logging

from django.dispatch import receiver

from comms.signals import FollowUp, maker_answered

from .services.drafts import do_draft_from_answer

logger = logging.getLogger(__name__)


@receiver(maker_answered, dispatch_uid="migrations_app.draft_from_answer")
def draft_from_answer(sender, maker, items, answer, justification="", **kwargs):
    """Answer "migrate": a prefilled draft request for the maker to check and send (never fails the answer).

    Returns the FollowUps the answer page shows: each draft, or why none was made.
    """
    if answer != "migrate" or maker is None:
        return []
    notes = []
    try:
        do_draft_from_answer(maker, items, justification, notes)
    except Exception:  # the answer is recorded already; a draft that could not be made is only logged
        logger.exception("could not draft a migration request from %s's answer", maker.email)
        return [FollowUp("The draft migration request could not be made; the CoE team will prepare the move "
                         "with you.", problem=True)]
    return notes
