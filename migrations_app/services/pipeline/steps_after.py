"""Steps 7-8, once the copy is verified: tell the maker, then clean up the source (or keep it).

Both only write rows (a comms delivery, clean-up cases) and queue their tasks on commit; the
runner runs each in one transaction with the step's completion, so neither happens twice.
"""

from inventory.choices import CleanupMode
from inventory.services.cleanup import start_cleanup

from ...choices import SourceAction
from .. import notices
from .common import StepFailed, items_of

__all__ = ["cleanup", "notify"]


def notify(job, client):
    """Step 7: queue the "migration completed" message (new addresses, connections still to make) to the maker."""
    delivery = notices.notify_completed(job)
    if delivery is None:
        job.log("notify", "The requester has no e-mail address in the inventory: no message sent.")
        return {}
    job.log("notify", f"Message to {delivery.to} queued: {delivery.subject}")
    return {"delivery_id": delivery.pk}


def cleanup(job, client):
    """Step 8: quarantine / stop the source (deleted after the grace period, with its own verified backup)
    through the clean-up cases, or keep it. Never without the copy verified in the target."""
    request = job.request
    if request.source_action == SourceAction.KEEP:
        job.log("cleanup", "The original is kept, as requested.")
        return {}
    if not job.verified_at:
        raise StepFailed("The copy in the target is not verified: the source is left untouched.")
    apps, flows = items_of(job)
    reason = f"Migrated to {request.target} (request #{request.pk})"
    cases = start_cleanup([*apps, *flows], request.requested_by, CleanupMode.QUARANTINE, reason)
    job.log("cleanup", f"{len(cases)} clean-up cases opened: quarantined / stopped now, deleted after the grace "
                       "period once backed up.")
    return {}
