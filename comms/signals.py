"""Signals other apps hook on (migration requests, quarantine release, ...)."""

from dataclasses import dataclass

from django.dispatch import Signal

__all__ = ["FollowUp", "maker_answered"]

# Sent after a maker's answer is saved: sender=Recipient, maker=Maker, items=[App or Flow], answer=Answer value,
# justification=str, recipient=Recipient. A receiver may return a FollowUp (or a list of them): the answer page
# tells the maker what their answer set off, or why it could not.
maker_answered = Signal()


@dataclass(frozen=True)
class FollowUp:
    """What an answer set off (or why not), in a sentence for the maker, with a link to it when there is one."""

    text: str
    url: str = ""
    link_text: str = ""
    problem: bool = False  # the answer could not do what it promises; the text says why
