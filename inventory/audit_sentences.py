"""The item history's sentences for clean-up actions (registered with coe_portal.core.audit_text)."""

from coe_portal.core.audit_text import register

__all__ = ["SENTENCES"]


def _requested(details):
    if details.get("mode") == "delete_only":
        asked = f"Asked to delete it without a backup: {details['reason']}"
    elif details.get("grace_days"):
        asked = f"Asked to clean it up, with a grace period of {details['grace_days']} days"
    else:
        asked = "Asked to clean it up, with the default grace period"
    return asked + ("." if details.get("opened", 1) else " (refused: a clean-up case was already open).")


def _started(details):
    if details.get("mode") == "delete_only":
        return f"Clean-up case {details['case']} opened: delete without a backup ({details['reason']})."
    return f"Clean-up case {details['case']} opened: hold it, then back it up and delete it unless the owner answers."


def _answered(details):
    kept = " It is released once the hold ends." if details.get("when_held") else ""
    return f"The owner answered: {details['answer'] or 'keep'}.{kept}"


SENTENCES = {
    "cleanup.request": _requested,
    "cleanup.start": _started,
    "cleanup.quarantined": "Quarantined; the owner has until {grace_until} to answer.",
    "cleanup.stopped": "Stopped; the owner has until {grace_until} to answer.",
    "cleanup.reminder": "The grace period ends {grace_until}: the owner is reminded.",
    "cleanup.answer": _answered,
    "cleanup.released": "Released: the owner keeps it.",
    "cleanup.backed_up": "Backed up ({size} bytes, SHA-256 {sha256}).",
    "cleanup.deleted": "Deleted in the tenant.",
    "cleanup.failed": "A clean-up step failed: {error}",
    "cleanup.retry": "Clean-up queued again after a failure.",
    "inventory.tags": "Tags changed through the API.",
}

register(SENTENCES)
