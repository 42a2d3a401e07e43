"""Service protection as the admin APIs apply it: per principal, per API server.

Each principal (the token's oid, else appid) gets a sliding window of W seconds in which it may
start Q requests and spend X seconds of server time, with at most C requests in flight. Past a
limit the answer is 429 with an integer Retry-After and the service's own error body. Every
admitted request also takes L seconds (simulated latency), which counts as server time.
"""

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

from .server import Response

__all__ = ["PROFILES", "Profile", "Throttle", "profile"]


@dataclass(frozen=True)
class Profile:
    """Throttle numbers: Q requests and X seconds of server time per W seconds, C in flight, L latency."""

    name: str
    requests: int | None  # Q; None: unlimited
    window: float  # W, seconds
    execution: float | None  # X, seconds of server time per window
    concurrency: int | None  # C
    latency: float = 0.0  # L, seconds per request

    @property
    def limited(self):
        """Whether the profile limits anything."""
        return self.requests is not None

    def numbers(self):
        """The profile as a benchmark uses it: {"Q", "W", "X", "C", "L"}; whole seconds come as ints."""
        return {"Q": self.requests, "W": _number(self.window), "X": _number(self.execution),
                "C": self.concurrency, "L": self.latency}


PROFILES = {
    "none": Profile("none", None, 300.0, None, None, 0.0),
    "default": Profile("default", 6000, 300.0, 1200.0, 52, 0.0),
    # The default shape with time scaled 100 times, for tests and CI.
    "fast": Profile("fast", 6000, 3.0, 12.0, 52, 0.0),
    "bench": Profile("bench", 6000, 30.0, 120.0, 52, 0.005),
    # For 429-storm tests.
    "tight": Profile("tight", 50, 2.0, 100.0, 8, 0.0),
}


def profile(value):
    """A Profile from a name in PROFILES, or the Profile itself."""
    if isinstance(value, Profile):
        return value
    try:
        return PROFILES[value or "none"]
    except KeyError:
        raise ValueError(f"unknown throttle profile {value!r}; choose from {', '.join(PROFILES)}") from None


class _Bucket:
    __slots__ = ("starts", "runs", "busy", "in_flight")

    def __init__(self):
        self.starts, self.runs, self.busy, self.in_flight = deque(), deque(), 0.0, 0


class Ticket:
    """An admitted request; hand it back to `Throttle.leave` when the answer is ready."""

    __slots__ = ("bucket", "started")

    def __init__(self, bucket, started):
        self.bucket, self.started = bucket, started


def _span(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _number(value):
    return int(value) if value is not None and float(value).is_integer() else value


class Throttle:
    """One API server's throttle; `service` picks the error bodies (flow, graph, or Dataverse-style)."""

    def __init__(self, profile_or_name="none", service="powerapps", clock=time.monotonic, sleep=time.sleep):
        self.profile = profile(profile_or_name)
        self.service, self.clock, self.sleep = service, clock, sleep
        self.buckets = {}
        self.lock = threading.Lock()
        self.requests = self.throttled = 0

    def counts(self):
        """Requests seen and requests refused with 429."""
        return {"requests": self.requests, "throttled": self.throttled}

    def enter(self, principal):
        """Admit a request and return a Ticket, or return the 429 Response that refuses it."""
        p = self.profile
        now = self.clock()
        with self.lock:
            self.requests += 1
            bucket = self.buckets.get(principal)
            if bucket is None:
                bucket = self.buckets[principal] = _Bucket()
            if p.limited:
                refusal = self._check(bucket, now, principal)
                if refusal is not None:
                    self.throttled += 1
                    return refusal
                bucket.starts.append(now)
            bucket.in_flight += 1
        return Ticket(bucket, now)

    def wait_latency(self):
        """Sleep the profile's simulated latency."""
        if self.profile.latency:
            self.sleep(self.profile.latency)

    def leave(self, ticket):
        """Finish an admitted request; its time counts toward the budget."""
        ended = self.clock()
        with self.lock:
            bucket = ticket.bucket
            bucket.in_flight -= 1
            if self.profile.limited:
                spent = ended - ticket.started
                bucket.runs.append((ended, spent))
                bucket.busy += spent

    def _check(self, bucket, now, principal):
        p = self.profile
        horizon = now - p.window
        starts, runs = bucket.starts, bucket.runs
        while starts and starts[0] <= horizon:
            starts.popleft()
        while runs and runs[0][0] <= horizon:
            bucket.busy -= runs.popleft()[1]
        if p.concurrency is not None and bucket.in_flight >= p.concurrency:
            return self._refuse("concurrency", 1, principal)
        if len(starts) >= p.requests:
            return self._refuse("requests", starts[len(starts) - p.requests] + p.window - now, principal)
        if p.execution is not None and bucket.busy >= p.execution:
            excess = bucket.busy - p.execution
            for ended, spent in runs:
                excess -= spent
                if excess < 0:
                    return self._refuse("execution", ended + p.window - now, principal)
        return None

    def _refuse(self, limit, seconds, principal):
        retry_after = max(1, math.ceil(seconds))
        return Response(429, {"error": self._error(limit, retry_after, principal)},
                        headers={"Retry-After": str(retry_after)})

    def _error(self, limit, retry_after, principal):
        p = self.profile
        window = _number(p.window)
        if self.service == "flow":
            who = f"for identity '{principal}'"
            return {
                "requests": {"code": "TooManyRequests", "message": (
                    f"Rate limit is exceeded. Number of requests {who} exceeded the limit of '{p.requests}' over "
                    f"time window of '{_span(p.window)}'. Try again in {retry_after} seconds.")},
                "execution": {"code": "TooManyConcurrentRequests", "message": (
                    f"Combined execution time of incoming HTTP requests {who} exceeded limit of "
                    f"'{int((p.execution or 0) * 1000)}' over time window of '{_span(p.window)}'. "
                    f"Please retry after '{retry_after}' seconds.")},
                "concurrency": {"code": "TooManyConcurrentRequests", "message": (
                    f"Number of concurrent requests {who} exceeded the limit of '{p.concurrency}'.")},
            }[limit]
        if self.service == "ppapi":  # usage-apis.md §3: Advisor answers 429 (D10); body shape unverified
            return {"code": "TooManyRequests",
                    "message": f"Rate limit is exceeded. Try again in {retry_after} seconds."}
        if self.service == "graph":
            return {"code": "TooManyRequests", "message": "Please retry again later.",
                    "innerError": {"code": "throttledRequest", "status": "429", "limit": limit,
                                   "retryAfter": retry_after}}
        return {
            "requests": {"code": "0x80072322", "message": (
                f"Number of requests exceeded the limit of {p.requests} over time window of {window} seconds.")},
            "execution": {"code": "0x80072321", "message": (
                f"Combined execution time of incoming requests exceeded limit of {int((p.execution or 0) * 1000):,} "
                f"milliseconds over time window of {window} seconds. Decrease number of concurrent requests or "
                "reduce the duration of requests and try again later.")},
            "concurrency": {"code": "0x80072326", "message": (
                f"Number of concurrent requests exceeded the limit of {p.concurrency}.")},
        }[limit]
