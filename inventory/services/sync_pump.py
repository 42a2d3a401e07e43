"""A sync's flow-detail batches, drained by a few pump tasks rather than a message each.

Detail calls are bound by the Flow quota, and one worker process with its threads can use all
of it. Sent as messages, batches would fill every worker process, each waiting for the next
quota window, while the listings (other quotas) waited in the queue behind them. A pump keeps
the details to `SYNC_DETAIL_PUMPS` processes and leaves the others to the listings.

Batches are still SyncTask rows, run by `sync._run_one`: a pump killed mid-batch loses
nothing. A pump holds its slot in Redis while it runs; `ensure` (after batches are recorded,
and from `sync.resume`) starts one for each slot nobody holds.
"""

from django.conf import settings

from coe_portal.core.ratelimit import shared_client
from coe_portal.powerplatform.client import PowerPlatformClient

from ..models import SyncTask

__all__ = ["DETAILS", "ensure", "pump"]

DETAILS = "flow_details"
SLOT_SECONDS = 300  # a slot not renewed for this long is free again (its pump died)


def _slot(run_id, slot):
    return f"coe:sync:{run_id}:detail-pump:{slot}"


def ensure(run_id, restart=False):
    """Start a pump for each of the run's free slots; call once new batches are committed.

    `restart` frees every slot first: resuming a stalled run, whose pumps died holding them.
    (Should one still be alive, two pumps share the batches: each takes rows the other has not locked.)
    """
    from ..tasks import pump_sync_details

    store = shared_client()
    if restart:
        store.delete(*[_slot(run_id, slot) for slot in range(settings.SYNC_DETAIL_PUMPS)])
    for slot in range(settings.SYNC_DETAIL_PUMPS):
        if store.set(_slot(run_id, slot), "starting", nx=True, ex=SLOT_SECONDS):
            pump_sync_details.delay(run_id, slot)


def _pending(run_id, limit=50):
    return list(SyncTask.objects.filter(run_id=run_id, name=DETAILS, done=False).order_by("pk")
                .values_list("pk", flat=True)[:limit])


def pump(run_id, slot, client=None):
    """Run the run's pending detail batches until none is left, then free the slot."""
    from .sync import _run_one

    store, key = shared_client(), _slot(run_id, slot)
    client = client or PowerPlatformClient.shared()
    store.set(key, "running", ex=SLOT_SECONDS)
    while True:
        pending = _pending(run_id)
        for task_id in pending:
            store.expire(key, SLOT_SECONDS)
            _run_one(task_id, client)
        if pending:
            continue
        store.delete(key)
        # A batch recorded after the last look, by a scheduler that found the slot still held,
        # is this pump's to run: look again now that the slot is free, and take it back if so.
        if not _pending(run_id, limit=1) or not store.set(key, "running", nx=True, ex=SLOT_SECONDS):
            return
