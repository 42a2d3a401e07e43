"""The messages a maker gets about their migration request: approved, waiting for them, completed.

Each is one delivery row (comms.services.notices), written in the caller's transaction and sent
after commit; none is sent when the requester has no e-mail address in the inventory.
"""

from django.conf import settings

from comms.choices import Stage
from comms.services.context import item_context
from comms.services.notices import do_notify_maker
from inventory.models import Maker

__all__ = ["notify_approved", "notify_completed", "notify_needs_input"]


def _maker(request):
    return Maker.objects.for_user(request.requested_by).exclude(email="").first()


def _request_context(request, needs=()):
    wave = request.wave
    return {"url": settings.SITE_URL + request.get_absolute_url(), "target": str(request.target or ""),
            "message": request.admin_message, "wave": str(wave or ""),
            "start": wave.scheduled_start.strftime("%Y-%m-%d %H:%M") if wave and wave.scheduled_start else "",
            "needs": list(needs)}


def _send(request, stage, name, items, needs=()):
    """The message of `stage` about `request` to its maker (items: context entries); the Delivery, or None."""
    maker = _maker(request)
    if maker is None:
        return None
    rows = list(request.items.all())
    selection = {"app": [row.app_id for row in rows if row.app_id],
                 "flow": [row.flow_id for row in rows if row.flow_id]}
    return do_notify_maker(maker, stage, name, items, selection, created_by=request.decided_by,
                           migration=_request_context(request, needs))


def _items(request):
    return [item_context(row.item) for row in request.items.select_related("app__environment", "flow__environment")]


def notify_approved(request):
    """Tell the maker the CoE approved their request: the target, the CoE's message, the wave."""
    return _send(request, Stage.MIGRATION_APPROVED, f"{request} approved", _items(request))


def notify_needs_input(job):
    """Tell the maker their job waits for them: a connection to pick for each reference not yet mapped."""
    target = job.request.target
    needs = [f"Pick a connection for {ref['display_name']} ({ref['connector_id']}) in {target}"
             + ("." if ref["choices"] else ": create one there first, then press Check again.")
             for ref in job.connection_refs if ref["logical_name"] not in job.bindings]
    return _send(job.request, Stage.MIGRATION_NEEDS_INPUT, f"{job.request} needs your input", _items(job.request),
                 needs)


def notify_completed(job):
    """Tell the maker the move is done: each item's new address, and only the connections still to create."""
    left = job.connections_left()
    items = []
    for row in job.request.items.select_related("app__environment", "flow__environment"):
        context = item_context(row.item)
        context.update(new_url=row.new_url, connections=left, environment=job.request.target.display_name,
                       trigger_url="(changed: see the flow in the new environment)"
                       if row.flow_id and row.flow.has_http_trigger else "")
        items.append(context)
    return _send(job.request, Stage.MIGRATION_COMPLETED, f"Migration #{job.request_id} completed", items)
