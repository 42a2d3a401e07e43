"""Microsoft Graph routes: resolve makers' object ids (getByIds) and read one user."""

from functools import partial

from . import routes_mail
from .common import error
from .render import dumps, user_item
from .server import Response

__all__ = ["routes"]

CONTEXT = "https://graph.microsoft.com/v1.0/$metadata"
MAX_IDS = 1000


def routes(ctx):
    """(method, pattern, view, needs api-version) for the Graph server."""
    return [
        ("POST", r"(?i)/v1\.0/directoryObjects/getByIds", partial(get_by_ids, ctx), False),
        ("GET", r"(?i)/v1\.0/users/(?P<user>[^/]+)", partial(get_user, ctx), False),
        *routes_mail.routes(ctx),  # sendMail, for the comms Graph backend
    ]


def _visible(maker):
    return maker is not None and not maker.deleted


def _selected(request):
    return [name.strip() for name in request.query.get("$select", "").split(",") if name.strip()]


def get_by_ids(ctx, request):
    """POST directoryObjects/getByIds: up to 1,000 ids, deleted users left out."""
    try:
        body = request.json()
    except ValueError:
        body = None
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids:
        return error(400, "Request_BadRequest", "The request body must contain a non-empty 'ids' array.")
    if len(ids) > MAX_IDS:
        return error(400, "Request_BadRequest",
                     f"Too many identifiers in the request: {len(ids)}. The maximum is {MAX_IDS}.")
    types = [str(kind).lower() for kind in body.get("types") or ["user"]]
    if "user" not in types:
        return Response(200, dumps({"@odata.context": f"{CONTEXT}#directoryObjects", "value": []}))
    found = [ctx.tenant.maker(oid) for oid in ids]
    # Deleted users are simply absent from the answer; without $select, users carry their default properties.
    select = _selected(request) if ctx.options.graph_honours_select else ()
    users = [user_item(maker, select) for maker in found if _visible(maker)]
    return Response(200, dumps({"@odata.context": f"{CONTEXT}#directoryObjects", "value": users}))


def get_user(ctx, request, user):
    """GET one user by id or UPN, with $select."""
    tenant = ctx.tenant
    maker = tenant.maker(user)
    if maker is None and "@" in user:
        maker = next((m for m in tenant.makers if m.upn.lower() == user.lower()), None)
    if not _visible(maker):
        return error(404, "Request_ResourceNotFound",
                     f"Resource '{user}' does not exist or one of its queried reference-property objects are "
                     "not present.")
    item = user_item(maker, _selected(request))
    item.pop("@odata.type", None)
    return Response(200, dumps({"@odata.context": f"{CONTEXT}#users/$entity", **item}))
