"""Fault injection for the fake admin APIs: random (from a seeded spec) and scripted by tests.

Spec strings name a probability per kind, e.g. "5xx=0.05,slow=0.01,malformed=0.01,reset=0.01,expire=0.001":
  5xx        500, 502, 503 or 504 with an error body
  slow       the answer comes after `slow_seconds` (2 s)
  malformed  status 200 with a truncated or garbled JSON body
  reset      the connection is dropped (TCP reset) without an answer
  expire     401 ExpiredAuthenticationToken, and every token issued so far stops working
Scripted only: `lose_answer_next` lets the request take effect and then drops the connection, as
when a worker or a network hop dies after the service acted (a resent POST must not act twice).
"""

import random
import re
import threading
import time
from collections import Counter

from .common import auth_error
from .server import Response

__all__ = ["Fault", "Faults", "parse_spec"]

KINDS = ("5xx", "slow", "malformed", "reset", "expire")
SERVER_ERRORS = {
    500: ("InternalServerError", "Encountered internal server error. The tracking Id is '{id}'."),
    502: ("BadGateway", "The server received an invalid response from an upstream server."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please try again later."),
    504: ("GatewayTimeout", "The gateway did not receive a response within the specified time."),
}


def parse_spec(spec):
    """{"5xx": 0.05, ...} from "5xx=0.05,..."; raise ValueError on unknown kinds or bad numbers."""
    odds = {}
    for part in filter(None, (part.strip() for part in (spec or "").split(","))):
        kind, _, value = part.partition("=")
        kind = kind.strip().lower()
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {', '.join(KINDS)}")
        odds[kind] = float(value)
        if not 0 <= odds[kind] <= 1:
            raise ValueError(f"fault probability for {kind} must be between 0 and 1")
    if sum(odds.values()) > 1:
        raise ValueError("fault probabilities add up to more than 1")
    return odds


class Fault:
    """One injected fault: `kind` and, for 5xx, the `status`; for slow, the `seconds`."""

    __slots__ = ("kind", "status", "seconds")

    def __init__(self, kind, status=None, seconds=0.0):
        self.kind, self.status, self.seconds = kind, status, seconds

    def response(self):
        """The answer that replaces the real one (5xx, reset, expire), or None to answer normally."""
        if self.kind == "5xx":
            code, message = SERVER_ERRORS.get(self.status, ("ServerError", "The server failed."))
            return Response(self.status, {"error": {"code": code, "message": message.format(id=_tracking_id())}})
        if self.kind == "reset":
            response = Response(200)
            response.reset = True
            return response
        if self.kind == "expire":
            return auth_error("ExpiredAuthenticationToken", "The access token has expired. Get a new token and "
                                                            "try again.")
        return None

    def spoil(self, response):
        """Garble a successful JSON answer (malformed), or drop it after the fact (lost); others pass unchanged."""
        if self.kind == "lost":
            lost = Response(200)
            lost.reset = True
            return lost
        if self.kind != "malformed" or not 200 <= response.status < 300:
            return response
        body = response.body
        response.body = body[: max(1, len(body) // 2)] if len(body) > 2 else b'{"value":[{"name":'
        return response


def _tracking_id():
    return f"{random.getrandbits(128):032x}"


class Faults:
    """Decide, request by request, whether to inject a fault; tests can script the next ones."""

    def __init__(self, spec="", seed=0, slow_seconds=2.0):
        self.odds = parse_spec(spec)
        self.rng = random.Random(seed)
        self.slow_seconds = slow_seconds
        self.lock = threading.Lock()
        self.script = []  # [pattern, Fault, times left]
        self.injected = Counter()
        self.revoked_through = 0
        self.tokens_issued = lambda: 0  # set by the server wiring to the identity provider's counter

    # Scripted faults

    def fail_next(self, path_regex, status=503, times=1):
        """Answer the next `times` requests whose path matches with `status` (5xx or any other)."""
        self._add(path_regex, Fault("5xx", status=status), times)

    def malformed_next(self, path_regex, times=1):
        """Garble the next `times` matching successful answers."""
        self._add(path_regex, Fault("malformed"), times)

    def reset_next(self, path_regex, times=1):
        """Drop the connection of the next `times` matching requests."""
        self._add(path_regex, Fault("reset"), times)

    def lose_answer_next(self, path_regex, times=1):
        """Let the next `times` matching requests act, then drop their connections before the answer."""
        self._add(path_regex, Fault("lost"), times)

    def slow_next(self, path_regex, seconds=None, times=1):
        """Delay the next `times` matching answers by `seconds`."""
        self._add(path_regex, Fault("slow", seconds=self.slow_seconds if seconds is None else seconds), times)

    def expire_next(self, path_regex, times=1):
        """Expire every token when the next matching request arrives (it gets the 401)."""
        self._add(path_regex, Fault("expire"), times)

    def expire_tokens(self):
        """Make every token issued so far invalid: 401 until the client fetches a new one."""
        self.revoked_through = self.tokens_issued()

    def clear(self):
        """Forget the scripted faults."""
        with self.lock:
            self.script.clear()

    def _add(self, path_regex, fault, times):
        with self.lock:
            self.script.append([re.compile(path_regex, re.IGNORECASE), fault, times])

    # Per request

    def draw(self, request):
        """The fault for this request, or None."""
        if not self.script and not self.odds:
            return None
        fault = self._scripted(request) or self._random()
        if fault is not None:
            self.injected[fault.kind] += 1
            if fault.kind == "expire":
                self.expire_tokens()
        return fault

    def _scripted(self, request):
        with self.lock:
            for entry in self.script:
                pattern, fault, times = entry
                if pattern.search(request.path):
                    if times <= 1:
                        self.script.remove(entry)
                    else:
                        entry[2] = times - 1
                    return fault
        return None

    def _random(self):
        if not self.odds:
            return None
        with self.lock:
            roll, pick = self.rng.random(), self.rng.random()
        for kind in KINDS:
            chance = self.odds.get(kind, 0.0)
            if roll < chance:
                if kind == "5xx":
                    return Fault(kind, status=(500, 502, 503, 504)[int(pick * 4)])
                return Fault(kind, seconds=self.slow_seconds)
            roll -= chance
        return None

    def pause(self, fault):
        """Sleep for a slow fault; other faults take no time."""
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)
