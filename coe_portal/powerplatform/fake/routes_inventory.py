"""`POST /resourcequery/resources/query` on the Power Platform API server (inventory-api.md §1).

In order: the caller (delegated tokens only, with ResourceQuery.Resources.Read, of a user with an
admin role: §1.2), ARG's per-user quota (§1.7), the body (§1.3, §1.4), then a page of the result
(§1.5, §1.7). A query is evaluated once over the table as of `freshness_lag` ago and kept for its
later pages: the skipToken names that moment, so every page of one listing sees the same rows.
Whether the service's skipToken works that way is unverified; a client must not care.

Error bodies are not documented (§1.6). The 400s use ARG's `{error: {code, message, details}}`
seen inside one client's error; the 403s use the flat body the Power Platform API gave for missing
delegated permissions (§1.2, Power-CAT-Copilot-Studio-Kit#650). Both are unverified for this operation.
"""

import base64
import hashlib
import json
from datetime import UTC, datetime
from functools import partial

from .inventory_query import compile_query, field
from .inventory_rows import table_rows
from .kql import KqlError, to_string
from .server import Response

__all__ = ["ADMIN_ROLES", "PERMISSION", "RESOURCE_QUERY", "routes"]

RESOURCE_QUERY = r"/resourcequery/resources/query"
PERMISSION = "ResourceQuery.Resources.Read"  # §1.2, on the Power Platform API app
# §1.2: PPAC inventory needs one of the first two; a third-party note adds the other two (unverified).
ADMIN_ROLES = {"Power Platform Administrator", "Dynamics 365 Administrator", "Global Administrator",
               "Global Reader"}
KEPT_RESULTS = 2


def routes(ctx):
    """(method, pattern, view, needs api-version) of the inventory API."""
    return [("POST", RESOURCE_QUERY, partial(query_resources, ctx), True)]


def forbidden(inner_code=None, inner_message=""):
    """403 in the shape §1.2 quotes; `innererror` only where the reason is a missing delegated permission."""
    body = {"code": "Forbidden", "message": "The caller is not authorized to perform the request."}
    if inner_code:
        body["innererror"] = {"code": inner_code, "message": inner_message}
    return Response(403, body)


def refusal(ctx, claims):
    """The 403 for a caller the inventory API does not serve, or None."""
    if "scp" not in claims:  # an app-only token: §1.2, "supports only delegated user authentication"
        return forbidden("InsufficientDelegatedPermissions", "Authorization denied: the inventory API supports "
                         "only delegated user authentication; the token has no delegated permissions.")
    if PERMISSION not in str(claims["scp"]).split():
        return forbidden("InsufficientDelegatedPermissions", "Authorization denied: Application missing required "
                         f"delegated permissions: [{PERMISSION}]")
    roles = ctx.directory.directory_roles(claims.get("oid")) if ctx.directory is not None else ADMIN_ROLES
    if not ADMIN_ROLES & set(roles):
        return forbidden()
    return None


def query_error(code, message, headers=None):
    """400 with ARG's error body (§1.6, unverified)."""
    body = {"error": {"code": "BadRequest", "message": message, "details": [{"code": code, "message": message}]}}
    return Response(400, body, headers)


def query_resources(ctx, request):
    """POST resourcequery/resources/query: one page of a query's result (§1.5)."""
    refused = refusal(ctx, request.claims)
    if refused is not None:
        return refused
    inventory = ctx.tenant.inventory
    admitted, headers = inventory.quota.take(request.claims.get("oid"))
    if not admitted:  # ARG's throttling body is not in the reference: shaped as its other errors (unverified)
        message = "Client application has been throttled and should not attempt to repeat the request until " \
                  "an amount of time has elapsed."
        return Response(429, {"error": {"code": "RateLimiting", "message": message,
                                        "details": [{"code": "RateLimiting", "message": message}]}}, headers)
    try:
        body = json.loads(request.body or b"null")
        answer = _page(ctx, inventory, body)
    except ValueError:
        return query_error("InvalidRequestContent", "The request body is not valid JSON.", headers)
    except KqlError as exc:
        return query_error(exc.code, exc.message, headers)
    return Response(200, json.dumps(answer, separators=(",", ":"), default=to_string).encode(), headers)


def _page(ctx, inventory, body):
    options = field(body, "Options", required=False) or {}
    top, skip = field(options, "Top", required=False), field(options, "Skip", required=False)
    token = field(options, "SkipToken", required=False)
    if top is not None and (not isinstance(top, int) or top < 1):
        raise KqlError("InvalidQuery", "Options.Top must be at least 1.")
    size = min(top or inventory.options.page_size, inventory.options.page_size)  # ARG caps a page at 1000
    fingerprint = _fingerprint(body)
    if token:
        if skip:  # §1.3: "don't include [Skip] when using SkipToken"
            raise KqlError("InvalidQuery", "Options.Skip cannot be used with Options.SkipToken.")
        offset, as_of = _decode(ctx, fingerprint, token)
    else:
        offset, as_of = (skip or 0), inventory.as_of()
    now = datetime.fromtimestamp(as_of + inventory.options.freshness_lag, UTC)
    query = compile_query(body, now)
    salt = None if query.order == "stable" else offset
    rows = _result(ctx, inventory, query, (fingerprint, as_of, salt), now)
    answer = {"totalRecords": len(rows)}
    if query.pageable:
        page = rows[offset:offset + size]
        answer.update(count=len(page), resultTruncated=1)  # REST ref: 1 = not truncated (§1.5)
        if offset + size < len(rows):
            answer["skipToken"] = _encode(ctx, fingerprint, offset + size, as_of)
    else:  # §1.7: no skipToken; the first page is all there is
        page = rows[:size]
        answer.update(count=len(page), resultTruncated=0 if len(rows) > size else 1)
    answer["data"] = page
    return answer


def _result(ctx, inventory, query, key, now):
    with inventory.lock:
        rows = inventory.results.get(key)
        if rows is None:
            as_of = key[1]
            rows = query.run(lambda types: list(table_rows(ctx.tenant, as_of, types)), now, key[2])
            inventory.results[key] = rows
            while len(inventory.results) > KEPT_RESULTS:
                inventory.results.popitem(last=False)
        inventory.results.move_to_end(key)
        return rows


# skipToken: opaque and tamper-evident, naming the listing, the position and the table's moment.

def _fingerprint(body):
    listing = {"table": field(body, "TableName", required=False), "clauses": field(body, "Clauses", required=False)}
    return hashlib.blake2s(json.dumps(listing, sort_keys=True).encode(), digest_size=8).hexdigest()


def _mac(ctx, text):
    secret = f"{ctx.tenant.seed}:{ctx.tenant.tenant_id}".encode()[:32]
    return hashlib.blake2s(text.encode(), key=secret, digest_size=8).hexdigest()


def _encode(ctx, fingerprint, offset, as_of):
    text = f"{offset}:{as_of!r}"
    return base64.urlsafe_b64encode(f"{text}:{_mac(ctx, fingerprint + text)}".encode()).decode().rstrip("=")


def _decode(ctx, fingerprint, token):
    try:
        offset, as_of, mac = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split(":")
        if mac == _mac(ctx, f"{fingerprint}{offset}:{as_of}"):
            return int(offset), float(as_of)
    except (ValueError, UnicodeDecodeError):
        pass
    raise KqlError("InvalidSkipToken", "The skip token is invalid, or was made for another query.")
