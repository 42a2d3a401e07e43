"""ARG's per-user query quota, which governs inventory queries (inventory-api.md §1.7, §5).

A user may send `quota_requests` queries per `quota_window` seconds (documented: 15 per 5 s, "subject
to change"). Every answer carries `x-ms-user-quota-remaining` (int) and `x-ms-user-quota-resets-after`
(hh:mm:ss), as ARG documents; a query past the quota gets 429 with `Retry-After` in whole seconds.
Whether api.powerplatform.com passes these headers and Retry-After through is unverified (§1.7, §7.3):
the fake sends them, and a client must still cope without them.
"""

import math
import threading
import time
from collections import deque

__all__ = ["UserQuota"]


def _span(seconds):
    seconds = math.ceil(seconds)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class UserQuota:
    """Sliding windows of query times per user; `options` (InventoryOptions) gives the numbers."""

    def __init__(self, options, clock=time.monotonic):
        self.options, self.clock = options, clock
        self.windows = {}
        self.lock = threading.Lock()
        self.refused = 0

    def take(self, user):
        """(admitted, headers) for one query of `user`; headers include Retry-After when refused."""
        limit, window = self.options.quota_requests, self.options.quota_window
        now = self.clock()
        with self.lock:
            starts = self.windows.setdefault(user, deque())
            while starts and starts[0] <= now - window:
                starts.popleft()
            admitted = len(starts) < limit
            if admitted:
                starts.append(now)
            else:
                self.refused += 1
            resets = starts[0] + window - now if starts else 0
            headers = {"x-ms-user-quota-remaining": str(limit - len(starts)),
                       "x-ms-user-quota-resets-after": _span(resets)}
        if not admitted:
            headers["Retry-After"] = str(max(1, math.ceil(resets)))
        return admitted, headers
