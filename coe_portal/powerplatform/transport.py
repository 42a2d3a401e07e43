"""HTTP to the admin APIs: tokens, paging, retries on 429 and 5xx, and pacing to the quota."""

import email.utils
import json
import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

from .errors import ApiError, MalformedResponse, RetriesExhausted
from .http import HttpConnectionError

__all__ = ["AdaptiveConcurrency", "Stats", "Transport"]

logger = logging.getLogger(__name__)

RETRY_STATUSES = {408, 500, 502, 503, 504}
# A token can be revoked again right after it was fetched (continuous access evaluation);
# past this many fresh tokens a 401 means the app lacks access.
MAX_TOKEN_REFRESHES = 2
MAX_MALFORMED = 4  # malformed answers to one request before it is reported


@dataclass
class Stats:
    """What a client's calls cost, thread-safe; a sync run adds these to its record."""

    requests: int = 0
    throttled: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts):
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def take(self):
        """Return the counts so far and reset them."""
        with self.lock:
            counts = {"requests": self.requests, "throttled": self.throttled, "retries": self.retries}
            self.requests = self.throttled = self.retries = 0
        return counts


class AdaptiveConcurrency:
    """A concurrency cap that halves when the service throttles and creeps back up after."""

    def __init__(self, maximum):
        self.maximum = self.limit = max(1, maximum)
        self.in_flight = 0
        self.successes = 0
        self.condition = threading.Condition()

    def __enter__(self):
        with self.condition:
            self.condition.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1

    def __exit__(self, *exc):
        with self.condition:
            self.in_flight -= 1
            self.condition.notify_all()

    def throttled(self):
        with self.condition:
            self.limit = max(1, self.limit // 2)
            self.successes = 0

    def succeeded(self):
        with self.condition:
            self.successes += 1
            if self.limit < self.maximum and self.successes >= 4 * self.limit:
                self.limit += 1
                self.successes = 0
                self.condition.notify_all()


def _audit_throttle(response):
    """The audit feed throttles with error AF429, on 403 as often as on 429 (usage-apis.md 1.6)."""
    if response.status_code != 403 or b"AF429" not in response.content[:200]:
        return False
    try:
        return (response.json().get("error") or {}).get("code") == "AF429"
    except (ValueError, AttributeError):
        return False


def retry_after_seconds(value, default):
    """Parse Retry-After given as seconds or as an HTTP date."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else default


class Transport:
    """Send requests with the right token and retry what is worth retrying.

    Args:
        tokens: a TokenProvider.
        pace: called before every request, with its URL and whether it is background work, to
            wait for room in the tenant's quota.
    """

    def __init__(self, tokens, session, stats=None, concurrency=None, pace=None, max_attempts=8,
                 backoff_cap=30.0, sleep=time.sleep):
        self.tokens, self.session = tokens, session
        self.stats = stats or Stats()
        self.concurrency = concurrency or AdaptiveConcurrency(8)
        self.pace = pace or (lambda url, background=False: None)
        self.max_attempts, self.backoff_cap, self.sleep = max_attempts, backoff_cap, sleep

    def request(self, method, url, params=None, body=None, expect_json=True, headers=None, response_headers=None,
                background=False, raw=False):
        """Return the parsed JSON body (or None for an empty one) of a successful call.

        Args:
            background: bulk work that yields the quota's reserve to other calls (see _pace).
            response_headers: a dict the successful answer's headers are copied into (for the
                Location of an asynchronous operation).
            raw: return the body's bytes unparsed (a caller that decodes them itself).
        """
        refreshes = malformed = 0
        for attempt in range(1, self.max_attempts + 1):
            self.pace(url, background)
            try:
                with self.concurrency:
                    response = self._send(method, url, params, body, headers)
            except (requests.ConnectionError, requests.Timeout, HttpConnectionError) as exc:
                self._back_off(attempt, url, f"connection: {exc}")
                continue
            status = response.status_code
            if status == 429 or _audit_throttle(response):
                self.stats.add(throttled=1)
                self.concurrency.throttled()
                wait = retry_after_seconds(response.headers.get("Retry-After"), self._backoff(attempt))
                self._wait(attempt, url, wait, "throttled")
                continue
            if status in RETRY_STATUSES:
                self._back_off(attempt, url, f"HTTP {status}")
                continue
            if status == 401 and refreshes < MAX_TOKEN_REFRESHES:
                refreshes += 1
                self.tokens.invalidate(url)
                continue
            if status >= 400:
                raise self._api_error(response, url)
            self.concurrency.succeeded()
            if response_headers is not None:
                response_headers.update(response.headers)
            if raw:
                return response.content
            try:
                return self._parse(response, expect_json)
            except MalformedResponse as exc:
                # Truncated bodies are usually transient; one that stays malformed is reported.
                # (Counted apart from other faults: a 503 then a reset then a cut body is bad luck.)
                malformed += 1
                if malformed >= MAX_MALFORMED:
                    raise
                self._back_off(attempt, url, str(exc))
        raise RetriesExhausted(f"gave up after {self.max_attempts} attempts", url)

    def pages(self, url, params=None):
        """Yield the `value` list of each page, following nextLink verbatim."""
        while url:
            body = self.request("GET", url, params=params)
            if not isinstance(body, dict) or not isinstance(body.get("value"), list):
                raise MalformedResponse("page without a value list", url)
            yield body["value"]
            url, params = body.get("nextLink") or body.get("@odata.nextLink"), None

    def _send(self, method, url, params, body, extra_headers=None):
        self.stats.add(requests=1)
        headers = {"Authorization": f"Bearer {self.tokens.token_for(url)}", "Accept": "application/json",
                   "x-ms-client-request-id": str(uuid.uuid4()), **(extra_headers or {})}
        return self.session.request(method, url, params=params, json=body, headers=headers)

    @staticmethod
    def _parse(response, expect_json):
        if not response.content:
            return None
        try:
            return response.json()
        except (ValueError, json.JSONDecodeError):
            if not expect_json:
                return response.text
            raise MalformedResponse(f"invalid JSON in a {len(response.content)}-byte body", response.url) from None

    @staticmethod
    def _api_error(response, url):
        try:
            error = response.json().get("error", {})
        except ValueError:
            error = {}
        if not isinstance(error, dict):
            error = {"code": str(error), "message": ""}
        return ApiError(response.status_code, error.get("code", ""), error.get("message", response.text[:200]), url)

    def _backoff(self, attempt):
        return min(self.backoff_cap, 0.25 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)

    def _back_off(self, attempt, url, reason):
        self._wait(attempt, url, self._backoff(attempt), reason)

    def _wait(self, attempt, url, seconds, reason):
        if attempt >= self.max_attempts:
            raise RetriesExhausted(f"gave up after {attempt} attempts, last: {reason}", url)
        self.stats.add(retries=1)
        logger.info("retrying %s in %.2f s (%s)", url, seconds, reason)
        self.sleep(seconds)
