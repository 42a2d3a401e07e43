"""Power Apps routes (api.powerapps.com): apps, quarantine, delete, connectors and connections."""

import json
import re
from functools import partial

from .catalog import CONNECTORS
from .common import error, page_response
from .render import app_item, connection_item, connector_item, dumps, swagger, swagger_signature
from .routes_packages import PUBLIC
from .server import Response

__all__ = ["routes"]

ADMIN = r"(?i)/providers/Microsoft\.PowerApps/scopes/admin/environments/(?P<env>[^/]+)"
APIS = r"(?i)/providers/Microsoft\.PowerApps/apis"
ENV_FILTER = re.compile(r"environment\s+eq\s+'([^']*)'", re.IGNORECASE)
CUSTOM_FILTER = re.compile(r"IsCustomApi\s+eq\s+'?true'?", re.IGNORECASE)


def routes(ctx):
    """(method, pattern, view, needs api-version) for the Power Apps server."""
    view = lambda function: partial(in_environment, ctx, function)  # noqa: E731
    return [
        ("GET", ADMIN + r"/apps", view(list_apps), True),
        ("GET", ADMIN + r"/apps/(?P<app>[^/]+)", view(get_app), True),
        ("DELETE", ADMIN + r"/apps/(?P<app>[^/]+)", view(delete_app), True),
        ("POST", ADMIN + r"/apps/(?P<app>[^/]+)/setAppQuarantineState", view(set_quarantine), True),
        ("GET", ADMIN + r"/apps/(?P<app>[^/]+)/getAppQuarantineState", view(get_quarantine), True),
        ("POST", ADMIN + r"/apps/(?P<app>[^/]+)/getAppQuarantineState", view(get_quarantine), True),
        ("GET", ADMIN + r"/deletedApps", view(list_deleted_apps), True),
        ("POST", ADMIN + r"/deletedApps/(?P<app>[^/]+)/restore", view(restore_app), True),
        ("GET", ADMIN + r"/apis", view(list_custom_connectors), True),
        ("GET", ADMIN + r"/connections", view(list_connections), True),
        ("GET", ADMIN + r"/apis/(?P<connector>[^/]+)/connections", view(list_connections), True),
        ("DELETE", ADMIN + r"/apis/(?P<connector>[^/]+)/connections/(?P<connection>[^/]+)",
         view(delete_connection), True),
        ("GET", APIS, partial(list_connectors, ctx), True),
        ("GET", APIS + r"/(?P<connector>[^/]+)", partial(get_connector, ctx), True),
        # A custom connector's definition: a blob behind a SAS link (its query is the credential).
        ("GET", r"/api-swagger-files/(?P<connector>[^/]+?)\.json(?:_original)?", partial(get_swagger, ctx), PUBLIC),
    ]


def in_environment(ctx, view, request, env, **groups):
    """Resolve {env} or answer EnvironmentAccessDenied."""
    environment = ctx.tenant.environment(env)
    if environment is None:
        return ctx.denied(env)
    return view(ctx, request, environment, **groups)


def _app_not_found(app):
    return error(404, "AppNotFound", f"Could not find App '{app}'.")


def list_apps(ctx, request, env):
    """GET the admin app list."""
    return page_response(request, ctx.codec, f"apps:{env.name}", env.apps, ctx.page_size("apps", request),
                         lambda app: app_item(ctx.tenant, app, env), lambda app: app.live)


def get_app(ctx, request, env, app):
    """GET one app; AppNotFound when missing."""
    found = ctx.tenant.app(env, app)
    if found is None:
        return error(ctx.status("app_not_found"), "AppNotFound", f"Could not find App '{app}'.")
    return Response(200, app_item(ctx.tenant, found, env))


def delete_app(ctx, request, env, app):
    """DELETE an app; 403 when missing."""
    if ctx.tenant.delete_app(env, app):
        return Response(200)
    caller = request.claims.get("oid", "")
    return error(ctx.status("app_delete_missing"), "Forbidden",
                 f"The caller with object id '{caller}' does not have permission to delete app '{app}'.")


QUARANTINE_STATES = {"quarantined": True, "unquarantined": False}


def set_quarantine(ctx, request, env, app):
    """POST setAppQuarantineState, either body casing."""
    try:
        body = request.json() or {}
    except ValueError:
        body = None
    fields = {key.lower(): value for key, value in body.items()} if isinstance(body, dict) else {}
    wanted = str(fields.get("quarantinestatus", "")).lower()
    if wanted not in QUARANTINE_STATES:
        return error(400, "InvalidRequestContent",
                     "The request content must have quarantineStatus 'Quarantined' or 'Unquarantined'.")
    if ctx.tenant.set_quarantine(env, app, QUARANTINE_STATES[wanted]) is None:
        return _app_not_found(app)
    return Response(200)


def get_quarantine(ctx, request, env, app):
    """GET (or POST) getAppQuarantineState."""
    found = ctx.tenant.app(env, app)
    if found is None:
        return _app_not_found(app)
    return Response(200, dumps({"quarantineStatus": "Quarantined" if found.quarantined else "Unquarantined"}))


def list_deleted_apps(ctx, request, env):
    """GET deletedApps still in retention."""
    tenant = ctx.tenant
    return page_response(
        request, ctx.codec, f"deleted:{env.name}", env.apps, ctx.page_size("deleted_apps", request),
        lambda app: app_item(tenant, app, env),
        lambda app: not app.removed and tenant.in_retention(app, tenant.app_retention_days))


def restore_app(ctx, request, env, app):
    """POST restore of a deleted app."""
    if ctx.tenant.restore_app(env, app) is None:
        return _app_not_found(app)
    return Response(200)


def _connectors_of(env):
    return list(CONNECTORS) + env.custom_connectors


def list_connectors(ctx, request):
    """GET the connector catalogue of an environment."""
    filter_text = request.query.get("$filter", "")
    wanted = ENV_FILTER.search(filter_text)
    env = ctx.tenant.environment(wanted.group(1)) if wanted else ctx.tenant.default_environment
    if env is None:
        return ctx.denied(wanted.group(1))
    include = (lambda connector: connector.is_custom) if CUSTOM_FILTER.search(filter_text) else None
    return page_response(request, ctx.codec, f"connectors:{env.name}", _connectors_of(env),
                         ctx.page_size("connectors", request),
                         lambda connector: dumps(connector_item(ctx.tenant, connector, env, request.base_url)),
                         include)


def get_connector(ctx, request, connector):
    """GET one connector; ApiResourceNotFound when missing."""
    wanted = ENV_FILTER.search(request.query.get("$filter", ""))
    env = ctx.tenant.environment(wanted.group(1)) if wanted else ctx.tenant.default_environment
    if env is None:
        return ctx.denied(wanted.group(1))
    for candidate in _connectors_of(env):
        if candidate.name.lower() == connector.lower():
            return Response(200, dumps(connector_item(ctx.tenant, candidate, env, request.base_url)))
    return error(404, "ApiResourceNotFound", f"Could not find API '{connector}'.")


def list_custom_connectors(ctx, request, env):
    """GET the admin list of custom connectors."""
    return page_response(request, ctx.codec, f"custom:{env.name}", env.custom_connectors,
                         ctx.page_size("connectors", request),
                         lambda connector: dumps(connector_item(ctx.tenant, connector, env, request.base_url)))


def get_swagger(ctx, request, connector):
    """GET a custom connector's definition by its SAS link; a wrong signature is refused as Azure Blob does."""
    found = next((c for env in ctx.tenant.environments for c in env.custom_connectors if c.name == connector), None)
    if found is None or request.query.get("sig") != swagger_signature(ctx.tenant, found):
        return error(403, "AuthenticationFailed", "Server failed to authenticate the request.")
    return Response(200, dumps(swagger(found)))


def list_connections(ctx, request, env, connector=None):
    """GET connections, all or one connector's."""
    wanted = connector.lower() if connector else None
    include = (lambda c: not c.removed and c.connector.name.lower() == wanted) if wanted else (
        lambda c: not c.removed)
    kind = f"connections:{env.name}:{wanted or ''}"
    return page_response(request, ctx.codec, kind, env.connection_list, ctx.page_size("connections", request),
                         lambda c: json.dumps(connection_item(ctx.tenant, c, env), separators=(",", ":")).encode(),
                         include)


def delete_connection(ctx, request, env, connector, connection):
    """DELETE a connection."""
    if ctx.tenant.remove_connection(env, connection):
        return Response(200)
    return error(404, "ConnectionNotFound", f"Could not find connection '{connection}'.")
