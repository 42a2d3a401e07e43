"""Sign-in throttling, per account and per address, shared by every web process (Django's cache: Redis).

Failures are counted in a fixed window of SIGNIN_WINDOW_SECONDS; past the limit of either the account or
the address, every attempt is refused (even with the right password) until the window ends.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from .. import audit

__all__ = ["is_throttled", "record_failure", "record_success"]


def _keys(username, address):
    account = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]
    return (f"signin:fail:account:{account}", settings.SIGNIN_MAX_FAILURES_PER_ACCOUNT), \
           (f"signin:fail:address:{address or '-'}", settings.SIGNIN_MAX_FAILURES_PER_ADDRESS)


def is_throttled(request, username):
    """True (and audited) when the account or the address has failed too often in the window."""
    address = audit.client_ip(request)
    counts = cache.get_many([key for key, _ in _keys(username, address)])
    over = [key.split(":")[2] for key, limit in _keys(username, address) if counts.get(key, 0) >= limit]
    if over:
        audit.record(request, "auth.throttled", username=(username or "")[:150], by=over, path=request.path)
    return bool(over)


def record_failure(request, username):
    for key, _ in _keys(username, audit.client_ip(request)):
        cache.add(key, 0, timeout=settings.SIGNIN_WINDOW_SECONDS)  # the window starts at the first failure
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.SIGNIN_WINDOW_SECONDS)


def record_success(request, username):
    """A right password ends the account's count (not the address's: one account must not clear many)."""
    cache.delete(_keys(username, None)[0][0])
