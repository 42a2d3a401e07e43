"""What every fake API route shares: error answers, api-version, opaque skip tokens, pages."""

import base64
import hashlib
import json
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from .server import Response

__all__ = [
    "ApiContext", "ApiOptions", "PageCodec", "auth_error", "error", "invalid_skiptoken", "next_link", "page_response",
    "render_page", "span",
]


def error(status, code, message, headers=None):
    """Answer `status` with the admin APIs' error body."""
    return Response(status, json.dumps({"error": {"code": code, "message": message}}).encode(), headers)


def auth_error(code, message):
    """Answer 401 with a bearer challenge."""
    challenge = 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"'
    return error(401, code, message, {"WWW-Authenticate": challenge})


def _statuses():
    return {
        "environment_denied": 403,  # EnvironmentAccessDenied on Power Apps / Flow routes
        "environment_missing": 404,  # BAP GET of one environment
        "app_not_found": 404,  # AppNotFound on GET
        "app_delete_missing": 403,  # DELETE of a missing app
        "flow_missing": 403,  # ConnectionAuthorizationFailed on GET / stop / start
        "flow_delete_missing": 204,  # DELETE of a missing flow
        "flow_delete_existing": 200,
    }


@dataclass
class ApiOptions:
    """Switchable behaviour: statuses the reference marks (verify), and page sizes (default, cap)."""

    statuses: dict = field(default_factory=_statuses)
    page_sizes: dict = field(default_factory=lambda: {
        "environments": (1000, 1000), "apps": (250, 250), "flows": (50, 250), "connectors": (250, 250),
        "connections": (250, 250), "policies": (50, 250), "deleted_apps": (250, 250)})
    require_api_version: bool = True
    # False: Graph answers users with their default properties whatever $select asks (no department,
    # no accountEnabled), as for a client that does not ask: the portal must keep what it knew.
    graph_honours_select: bool = True

    def page_size(self, kind, query):
        """The page size for listing `kind`: $top if given, within the cap."""
        default, cap = self.page_sizes[kind]
        try:
            wanted = int(query.get("$top") or default)
        except ValueError:
            wanted = default
        return max(1, min(wanted, cap))


class PageCodec:
    """Opaque, tamper-evident $skiptoken values that carry a position in one listing."""

    def __init__(self, secret):
        self.secret = str(secret).encode()

    def _mac(self, text):
        return hashlib.blake2s(text.encode(), key=self.secret[:32], digest_size=6).hexdigest()

    def encode(self, kind, position):
        """The token for `position` in listing `kind`."""
        text = f"{position}.{self._mac(f'{kind}|{position}')}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def decode(self, kind, token):
        """The position in the token, 0 with no token; None when the token is not one this listing made."""
        if not token:
            return 0
        try:
            position, _, mac = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().partition(".")
            if mac != self._mac(f"{kind}|{position}"):
                return None
            return int(position)
        except (ValueError, UnicodeDecodeError):
            return None


def next_link(request, token):
    """The absolute URL of the next page: the request's own query, with $skiptoken set to `token`."""
    kept = [part for part in request.raw_query.split("&")
            if part and unquote(part.partition("=")[0]).lower() not in ("$skiptoken", "skiptoken")]
    kept.append(f"$skiptoken={quote(token, safe='')}")
    return f"{request.base_url}{request.path}?{'&'.join(kept)}"


def render_page(chunks, link=None):
    """A {"value": [...], "nextLink": ...} body from already-encoded items."""
    body = b'{"value":[' + b",".join(chunks) + b"]"
    if link:
        body += b',"nextLink":' + json.dumps(link).encode()
    return body + b"}"


def span(items, start, limit, include):
    """Up to `limit` items from index `start` on that pass `include`; and the index of the next one, or None.

    Listings only grow (removed items stay, flagged), so an index is a stable place to resume from.
    """
    chosen = []
    for position in range(start, len(items)):
        item = items[position]
        if include is None or include(item):
            if len(chosen) == limit:
                return chosen, position
            chosen.append(item)
    return chosen, None


def page_response(request, codec, kind, items, size, encode, include=None):
    """Serve the page of `items` that starts at the request's $skiptoken (absent: the first page)."""
    start = codec.decode(kind, request.query.get("$skiptoken") or request.query.get("skiptoken"))
    if start is None or start > len(items):
        return invalid_skiptoken()
    chosen, following = span(items, start, size, include)
    link = next_link(request, codec.encode(kind, following)) if following is not None else None
    return Response(200, render_page([encode(item) for item in chosen], link))


def invalid_skiptoken():
    """Answer 400 for a skip token this listing did not make."""
    return error(400, "InvalidSkipToken", "The skip token in the request is invalid or has expired.")


class ApiContext:
    """What the route modules share: the tenant, the options and the skip-token codec."""

    def __init__(self, tenant, options=None):
        self.tenant = tenant
        self.options = options or ApiOptions()
        self.codec = PageCodec(f"{tenant.seed}:{tenant.tenant_id}")
        self.directory = None  # the identity provider, where a route checks a caller's directory roles

    def status(self, name):
        """The HTTP status configured for case `name`."""
        return self.options.statuses[name]

    def denied(self, env):
        """The answer Power Apps and Flow give for an environment the caller cannot see."""
        return error(self.status("environment_denied"), "EnvironmentAccessDenied",
                     f"The environment '{env}' could not be found in the tenant '{self.tenant.tenant_id}'.")

    def page_size(self, kind, request):
        """The page size for listing `kind` in this request."""
        return self.options.page_size(kind, request.query)
