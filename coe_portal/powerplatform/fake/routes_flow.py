"""Flow routes (api.flow.microsoft.com): the v2 admin list, one flow, stop, start, delete, restore."""

from functools import partial

from .common import error, page_response
from .render import dumps
from .render_flow import flow_detail, flow_item
from .server import Response

__all__ = ["routes"]

ADMIN = r"(?i)/providers/Microsoft\.ProcessSimple/scopes/admin/environments/(?P<env>[^/]+)"
FLOW = ADMIN + r"/flows/(?P<flow>[^/]+)"


def routes(ctx):
    """(method, pattern, view, needs api-version) for the Flow server."""
    view = lambda function: partial(in_environment, ctx, function)  # noqa: E731
    return [
        ("GET", ADMIN + r"/v2/flows", view(list_flows), True),
        ("GET", FLOW, view(get_flow), True),
        ("POST", FLOW + r"/stop", view(partial(change_state, "stop")), True),
        ("POST", FLOW + r"/start", view(partial(change_state, "start")), True),
        ("POST", FLOW + r"/restore", view(restore_flow), True),
        ("DELETE", FLOW, view(delete_flow), True),
    ]


def in_environment(ctx, view, request, env, **groups):
    """Resolve {env} or answer EnvironmentAccessDenied."""
    environment = ctx.tenant.environment(env)
    if environment is None:
        return ctx.denied(env)
    return view(ctx, request, environment, **groups)


def missing_flow(ctx, request, flow):
    """A missing flow looks like an authorization failure on these routes."""
    caller = request.claims.get("oid", "")
    return error(ctx.status("flow_missing"), "ConnectionAuthorizationFailed",
                 f"The caller with object id '{caller}' does not have permission for connection '{flow}' "
                 "under Api 'shared_logicflows'.")


def list_flows(ctx, request, env):
    """GET the v2 admin flow list."""
    tenant = ctx.tenant
    soft_deleted = "softdeletedflows" in request.query.get("include", "").lower()
    no_solution = "excludesolutioncloudflows" in request.query.get("exclude", "").lower()
    retention = tenant.flow_retention_days

    def include(flow):
        if flow.removed or (no_solution and flow.workflow_id):
            return False
        return flow.deleted is None or (soft_deleted and tenant.in_retention(flow, retention))

    kind = f"flows:{env.name}:{int(soft_deleted)}{int(no_solution)}"
    return page_response(request, ctx.codec, kind, env.flows, ctx.page_size("flows", request),
                         lambda flow: flow_item(tenant, flow, env), include)


def get_flow(ctx, request, env, flow):
    """GET one flow with its definition."""
    found = ctx.tenant.flow(env, flow)
    if found is None:
        return missing_flow(ctx, request, flow)
    return Response(200, dumps(flow_detail(ctx.tenant, found, env)))


def change_state(action, ctx, request, env, flow):
    """POST stop or start."""
    changed = (ctx.tenant.stop_flow if action == "stop" else ctx.tenant.start_flow)(env, flow)
    if changed is None:
        return missing_flow(ctx, request, flow)
    return Response(200)


def delete_flow(ctx, request, env, flow):
    """DELETE: 200 when the flow existed, 204 when not."""
    if ctx.tenant.delete_flow(env, flow):
        return Response(ctx.status("flow_delete_existing"))
    return Response(ctx.status("flow_delete_missing"))


def restore_flow(ctx, request, env, flow):
    """POST restore of a soft-deleted flow."""
    if ctx.tenant.restore_flow(env, flow) is None:
        return missing_flow(ctx, request, flow)
    return Response(200)
