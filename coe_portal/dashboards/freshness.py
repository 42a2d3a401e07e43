"""Keep the dashboards current: changes mark the figures stale, beat retakes them; a person may ask now.

A change the figures count calls `figures_changed()` (apps connect their signals to it, or call it
where they write). It only sets a flag in Redis after the commit: beat's `snapshot_if_changed`
takes one snapshot per check however many changes came, so a bulk tag of 10,000 rows and one
answer cost the same. "Refresh figures" queues a snapshot at once, rate-limited per person.
"""

import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from coe_portal.core.ratelimit import SlidingWindowLimit, shared_client

from .models import Snapshot

__all__ = ["ask_refresh", "figures_changed", "latest_taken", "mark_changed", "refresh_pending", "take_if_changed"]

log = logging.getLogger(__name__)

CHANGED_KEY = "coe:dashboards:changed"
ASKED_KEY = "coe:dashboards:refresh-asked"
# A refresh asked longer ago than this and still not taken is no longer shown as on its way (no worker?).
PENDING_FOR = 600


def mark_changed():
    """Mark the figures stale now (what figures_changed runs once the transaction commits)."""
    try:
        shared_client().set(CHANGED_KEY, 1)
    except Exception:  # the change itself is committed; the hourly snapshot still comes
        log.warning("could not mark the dashboards stale", exc_info=True)


def figures_changed(**_signal_kwargs):
    """Mark the dashboards' figures stale once the current transaction commits (usable as a signal receiver)."""
    transaction.on_commit(mark_changed)


def take_if_changed(take):
    """Run `take()` (a snapshot) if something changed since the last check; return whether it ran.

    The flag is cleared before the snapshot, so a change made while it runs marks the next check.
    """
    if not shared_client().delete(CHANGED_KEY):
        return False
    take()
    return True


def latest_taken():
    """When the latest snapshot was taken (None before the first)."""
    return Snapshot.objects.aggregate(at=Max("taken_at"))["at"]


def ask_refresh(user, enqueue):
    """Queue a snapshot for `user` (via `enqueue()`) unless they asked within DASHBOARD_REFRESH_SECONDS.

    Returns 0 when queued, else the seconds until they may ask again.
    """
    wait_ms = SlidingWindowLimit(f"dashboard-refresh:{user.pk}", 1, settings.DASHBOARD_REFRESH_SECONDS).try_acquire()
    if wait_ms:
        return -(-wait_ms // 1000)
    shared_client().set(ASKED_KEY, time.time(), ex=PENDING_FOR)
    enqueue()
    return 0


def refresh_pending(taken):
    """True while a refresh was asked after the snapshot taken at `taken` (and not too long ago)."""
    asked = shared_client().get(ASKED_KEY)
    return asked is not None and (taken is None or float(asked) > taken.timestamp())
