"""Office 365 Management Activity API (manage.office.com): subscriptions, content, blobs (usage-apis.md §1, §7.1-7.6).

Root `/api/v1.0/{tenant}/activity/feed/`, and `/api/v1/…`, the form of D1's NextPageUri example. Errors are
`{"error": {"code": "AFxxxxx", "message"}}` (§1.6); D1 gives no status per code, so the observed ones are
used (AF20023, AF20024: 400; AF429: 403, switchable) and 400 for the rest of the AF2xxxx codes (unverified).
"""

import calendar
import dataclasses
import re
import time
import uuid
from functools import partial
from urllib.parse import quote, unquote

from .common import error
from .server import Response
from .throttle import Throttle
from .usage_feed import CONTENT_TYPES
from .usage_records import content_time

__all__ = ["ManageThrottle", "refusal", "routes", "throttle_key"]

ROOT = r"/api/v1(?:\.0)?/(?P<tenant>[^/]+)/activity/feed"
ROLE = "ActivityFeed.Read"
DAY = 86400.0
TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?Z?$")
WINDOW_RULES = ("Start time and end time must both be specified (or both omitted) and must be less than or equal "
                "to 24 hours apart, with the start time no more than 7 days in the past.")


def routes(ctx):
    """(method, pattern, view, needs api-version) for the Management Activity API server."""
    view = lambda function: partial(checked, ctx, function)  # noqa: E731
    return [
        ("POST", ROOT + r"/subscriptions/start", view(start), False),
        ("POST", ROOT + r"/subscriptions/stop", view(stop), False),
        ("GET", ROOT + r"/subscriptions/list", view(list_subscriptions), False),
        ("GET", ROOT + r"/subscriptions/content", view(list_content), False),
        ("GET", ROOT + r"/subscriptions/notifications", view(notifications), False),
        ("GET", ROOT + r"/audit/(?P<content_id>[^/]+)", view(get_blob), False),
    ]


def _query(request):
    """The query by lower-cased name: the kit sends `nextpage`, D1 writes `nextPage` (§1.3)."""
    return {key.lower(): value for key, value in request.query.items()}


def throttle_key(request):
    """§1.7, §7.6: one pool per tenant and publisher; calls without PublisherIdentifier share one pool."""
    publisher = _query(request).get("publisheridentifier")
    tenant = request.path.split("/")[3].lower() if request.path.count("/") > 3 else ""
    return f"{tenant}:{publisher.lower()}" if publisher else "no-publisher"


class ManageThrottle:
    """Two pools: per tenant and publisher, and a tenth as large for every call without a publisher (§1.1).

    The feed counts requests per minute only (§1.7, §7.6: "a per-tenant rate counter"): no budget of
    server time nor of requests in flight, which the other APIs' service protection has.
    """

    def __init__(self, chosen):
        chosen = dataclasses.replace(chosen, execution=None, concurrency=None)
        shared = dataclasses.replace(chosen, name=f"{chosen.name}-shared",
                                     requests=None if chosen.requests is None else max(1, chosen.requests // 10))
        self.main, self.shared = Throttle(chosen, service="manage"), Throttle(shared, service="manage")
        self.profile = chosen

    def _pool(self, principal):
        return self.shared if principal == "no-publisher" else self.main

    def enter(self, principal):
        return self._pool(principal).enter(principal)

    def leave(self, ticket):
        (self.main if ticket.bucket in self.main.buckets.values() else self.shared).leave(ticket)

    def wait_latency(self):
        self.main.wait_latency()

    def counts(self):
        main, shared = self.main.counts(), self.shared.counts()
        return {name: main[name] + shared[name] for name in main}


def refusal(tenant, request, refused):
    """A throttle refusal as the feed answers it: AF429 on 403 (D2's example) or 429 (§1.6, §7.6)."""
    publisher = _query(request).get("publisheridentifier") or ""
    method = request.path.rstrip("/").rsplit("/", 1)[-1] if "/audit/" not in request.path else "GetBlob"
    return error(tenant.usage.options.throttle_status, "AF429",
                 f"Too many requests. Method={method}, PublisherId={publisher}", dict(refused.headers))


def af(code, message, status=400):
    return error(status, code, message)


def checked(ctx, view, request, tenant, **groups):
    """The feed's own checks after the bearer token: scripted failure, tenant id, tid, role (§1.1, §1.6)."""
    usage = ctx.tenant.usage
    failure = usage.failure("audit")
    if failure is not None:
        return failure
    try:
        uuid.UUID(tenant)
    except ValueError:
        return af("AF20013", f"Tenant ID {tenant} in the request URL is not a valid GUID.")
    claims = request.claims
    # The statuses of AF20010 and AF10001 are not documented; a delegated grant was seen to give 401 (§1.1).
    if str(claims.get("tid", "")).lower() != tenant.lower():
        return af("AF20010", f"The tenant ID passed in the URL ({tenant}) does not match the tenant ID passed in the "
                             "access token.", 401)
    if ROLE not in (claims.get("roles") or []):
        return af("AF10001", "The permission set () sent in the request does not include the expected permission "
                             f"{ROLE}.", 401)
    with usage.lock:
        return view(ctx, request, tenant, **groups)


def _content_type(request):
    content_type = _query(request).get("contenttype")
    if not content_type:
        return None, af("AF20001", "Missing parameter: contentType.")
    if content_type not in CONTENT_TYPES:
        return None, af("AF20020", f"The content type {content_type} is invalid.")
    return content_type, None


def start(ctx, request, tenant):
    """POST subscriptions/start: enable; AF20024 (400) when already enabled (§1.2)."""
    content_type, refused = _content_type(request)
    if refused:
        return refused
    body = request.json() if request.body else None
    webhook = body.get("webhook") if isinstance(body, dict) else None
    if not ctx.tenant.usage.feed.start(content_type, webhook):
        return af("AF20024", "The subscription is already enabled. No property change.")
    if webhook is not None:
        webhook = {**webhook, "status": "enabled"}
    return Response(200, {"contentType": content_type, "status": "enabled", "webhook": webhook})


def stop(ctx, request, tenant):
    """POST subscriptions/stop: empty 200 (§1.2)."""
    content_type, refused = _content_type(request)
    if refused:
        return refused
    if not ctx.tenant.usage.feed.stop(content_type):
        return af("AF20022", f"No subscription found for the specified content type: {content_type}.")
    return Response(200, b"")


def list_subscriptions(ctx, request, tenant):
    """GET subscriptions/list: a JSON array; `webhook` present, null when unset (§1.2)."""
    feed = ctx.tenant.usage.feed
    return Response(200, [{"contentType": name, "status": state["status"], "webhook": state["webhook"]}
                          for name, state in feed.subscriptions.items()])


def notifications(ctx, request, tenant):
    """GET subscriptions/notifications: webhook diagnostics; this fake sends no webhooks (§1.2)."""
    return Response(200, [])


def parse_time(text):
    """Epoch seconds from the documented forms and the kit's `.fffffffZ` (§1.3); None if not one of them."""
    found = TIME.match(text.strip())
    if not found:
        return None
    year, month, day, hour, minute, second, fraction = found.groups()
    try:
        whole = calendar.timegm((int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                 int(second or 0), 0, 0, 0))
    except ValueError:
        return None
    return whole + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


def list_content(ctx, request, tenant):
    """GET subscriptions/content: descriptors by contentCreated in [start, end), N a page (§1.3, §7.2-7.3)."""
    usage = ctx.tenant.usage
    content_type, refused = _content_type(request)
    if refused:
        return refused
    state = usage.feed.subscriptions.get(content_type)
    if state is None:
        return af("AF20022", f"No subscription found for the specified content type: {content_type}.")
    if state["status"] != "enabled":
        return af("AF20023", f"The subscription was disabled by the tenant for the content type {content_type}.")
    query, now = _query(request), ctx.tenant.timestamp()
    start_text, end_text = query.get("starttime"), query.get("endtime")
    if not start_text and not end_text:
        low, high = now - DAY, now
        start_text, end_text = _format(low), _format(high)
    elif not start_text or not end_text:
        return af("AF20030", WINDOW_RULES)
    else:
        low, high = parse_time(start_text), parse_time(end_text)
        if low is None or high is None:
            return af("AF20002", f"Invalid parameter type: startTime={start_text}, endTime={end_text}.")
        if low >= high:
            return af("AF20055", "Start time must be earlier than end time. " + WINDOW_RULES)
        if high - low > DAY or low < now - usage.options.feed_reach_days * DAY:
            return af("AF20030", WINDOW_RULES)
    kind = f"content:{content_type}:{int(low * 1000)}:{int(high * 1000)}"
    position = ctx.codec.decode(kind, query.get("nextpage"))
    if position is None:
        return af("AF20031", f"Invalid nextPage Input: {query.get('nextpage')}.")
    blobs = usage.feed.blobs(content_type, low, high)
    size = usage.options.content_page_size
    page = blobs[position:position + size]
    root = f"{request.base_url}/api/v1.0/{tenant}/activity/feed/"
    body = [{"contentType": blob.content_type, "contentId": blob.content_id,
             "contentUri": f"{root}audit/{blob.content_id}", "contentCreated": content_time(blob.created),
             "contentExpiration": content_time(blob.created + usage.options.feed_reach_days * DAY)}
            for blob in page]
    headers = {}
    if position + size < len(blobs):
        publisher = query.get("publisheridentifier")
        headers["NextPageUri"] = (
            f"{request.base_url}/api/v1/{tenant}/activity/feed/subscriptions/content?contentType={content_type}"
            f"&startTime={quote(start_text, safe=':-.')}&endTime={quote(end_text, safe=':-.')}"
            + (f"&PublisherIdentifier={quote(publisher, safe='')}" if publisher else "")
            + f"&nextPage={ctx.codec.encode(kind, position + size)}")
    return Response(200, body, headers)


def _format(seconds):
    whole = int(seconds)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((seconds - whole) * 1e7):07d}Z"


def get_blob(ctx, request, tenant, content_id):
    """GET audit/{contentId}: a JSON array of records; AF20050 unknown, AF20051 past 7 days (§1.2, §7.4)."""
    feed = ctx.tenant.usage.feed
    content_id = unquote(content_id)
    if "$" not in content_id:
        return af("AF20052", f"Content ID {content_id} in the URL is invalid.")
    blob = feed.find(content_id)
    if (blob is None or blob.created > ctx.tenant.timestamp()
            or not feed.covered(blob.content_type, blob.created)):
        return af("AF20050", f"The specified content {content_id} does not exist.")
    if feed.expired(blob):
        return af("AF20051", f"Content requested with the key {content_id} has already expired. Content older "
                             "than 7 days cannot be retrieved.")
    return Response(200, feed.body(blob))
