"""Signals other areas hook on (comms sends the e-mails)."""

from django.dispatch import Signal

__all__ = ["cleanup_event"]

# Sent at each clean-up stage: sender=CleanupCase, case=..., item=the App or Flow, stage="quarantined" |
# "stopped" | "reminder" | "released" | "backed_up" | "deleted" | "failed".
cleanup_event = Signal()
