"""Signals other apps hook on (migration requests, quarantine release, ...)."""

from django.dispatch import Signal

__all__ = ["maker_answered"]

# Sent after a maker's answer is saved: sender=Recipient, maker=Maker, items=[App or Flow], answer=Answer value,
# justification=str, recipient=Recipient.
maker_answered = Signal()
