"""Send queued deliveries under the rate limit every worker shares; each message at most once."""

import logging

from django.conf import settings
from django.db.models import F

from coe_portal.core.ratelimit import SlidingWindowLimit
from coe_portal.dashboards.freshness import figures_changed

from ..backends import SendError, get_backend
from ..choices import DeliveryStatus
from ..models import Delivery

__all__ = ["MAX_ATTEMPTS", "message_limit", "recipient_limit", "send_deliveries"]

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
DAY = 86_400


def message_limit():
    """Messages per window (Exchange Online: 30 a minute), across all workers."""
    return SlidingWindowLimit("comms:messages", settings.COMMS_RATE_MESSAGES, settings.COMMS_RATE_WINDOW)


def recipient_limit():
    """Recipients per day (Exchange Online: 10,000), across all workers."""
    return SlidingWindowLimit("comms:recipients", settings.COMMS_DAILY_RECIPIENTS, DAY)


def send_deliveries(ids, backend=None, sleep=None):
    """Send the queued deliveries among `ids`; return (sent, later): ids to try again later.

    Each row is claimed (queued -> sending) with a conditional UPDATE before the send, so a
    task that is retried or delivered twice skips what is already sent or being sent.
    """
    per_window, per_day = message_limit(), recipient_limit()
    sent, later = 0, []
    with backend or get_backend() as transport:
        for position, pk in enumerate(ids):
            if per_day.try_acquire() > 0:
                return sent, list(ids[position:])  # the daily budget is spent: the rest waits
            if not Delivery.claim(pk):
                continue
            per_window.acquire(**({"sleep": sleep} if sleep else {}))
            if _send_one(transport, Delivery.objects.get(pk=pk)):
                sent += 1
            else:
                later.append(pk)
    return sent, later


def _send_one(transport, delivery):
    """True when sent; a temporary failure goes back to the queue until MAX_ATTEMPTS."""
    try:
        message_id = transport.send(delivery)
    except SendError as exc:
        if exc.temporary and delivery.attempts < MAX_ATTEMPTS:
            Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
                status=DeliveryStatus.QUEUED, retries=F("retries") + 1, error=f"will retry: {exc}")
        else:
            delivery.mark_failed(exc)
        log.warning("delivery %s failed: %s", delivery.pk, exc)
        return False
    delivery.mark_sent(message_id)
    figures_changed()
    return True

