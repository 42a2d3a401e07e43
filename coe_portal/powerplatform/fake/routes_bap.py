"""BAP routes (api.bap.microsoft.com): environments and DLP policies (v1 and v2 governance API)."""

import json
import re
from functools import partial

from .catalog import CONNECTORS, connector_id
from .common import error, page_response
from .render import dumps, environment_item, policy_v1, policy_v2
from .routes_dlp import EXEMPT, get_exempt_resources
from .server import Response

__all__ = ["routes"]

ENVIRONMENTS = r"(?i)/providers/Microsoft\.BusinessAppPlatform/scopes/admin/environments"
GOVERNANCE = r"(?i)/providers/PowerPlatform\.Governance"
SKU_FILTER = re.compile(r"properties/environmentSku\s+eq\s+'([^']*)'", re.IGNORECASE)


def routes(ctx):
    """(method, pattern, view, needs api-version) for the BAP server."""
    return [
        ("GET", ENVIRONMENTS, partial(list_environments, ctx), True),
        ("GET", ENVIRONMENTS + r"/(?P<env>[^/]+)", partial(get_environment, ctx), True),
        ("GET", GOVERNANCE + r"/v1/policies", partial(list_policies, ctx, 1), False),
        ("GET", GOVERNANCE + r"/v1/policies/(?P<name>[^/]+)", partial(get_policy, ctx, 1), False),
        ("GET", GOVERNANCE + r"/v2/policies", partial(list_policies, ctx, 2), False),
        ("GET", GOVERNANCE + r"/v2/policies/(?P<name>[^/]+)", partial(get_policy, ctx, 2), False),
        ("GET", EXEMPT, partial(get_exempt_resources, ctx), False),
        ("GET", GOVERNANCE + r"/v1/connectors/metadata/(?P<kind>unblockable|virtual)",
         partial(connector_metadata, ctx), False),
    ]


def list_environments(ctx, request):
    """GET environments: paged, $expand and a simple environmentSku $filter."""
    envs = ctx.tenant.environments
    wanted = SKU_FILTER.search(request.query.get("$filter", ""))
    include = (lambda env: env.sku.lower() == wanted.group(1).lower()) if wanted else None
    expand = request.query.get("$expand", "")
    return page_response(request, ctx.codec, "environments", envs, ctx.page_size("environments", request),
                         lambda env: dumps(environment_item(ctx.tenant, env, expand)), include)


def get_environment(ctx, request, env):
    """GET one environment; 404 when missing."""
    environment = ctx.tenant.environment(env)
    if environment is None:
        return error(ctx.status("environment_missing"), "EnvironmentNotFound",
                     f"The environment '{env}' could not be found.")
    return Response(200, dumps(environment_item(ctx.tenant, environment, request.query.get("$expand", ""))))


def list_policies(ctx, version, request):
    """GET DLP policies (v1 or v2 shape)."""
    render = policy_v1 if version == 1 else partial(policy_v2, full=False)
    return page_response(request, ctx.codec, f"policies{version}", ctx.tenant.policies,
                         ctx.page_size("policies", request), lambda policy: dumps(render(policy)))


def get_policy(ctx, version, request, name):
    """GET one DLP policy; 404 when missing."""
    for policy in ctx.tenant.policies:
        if policy.name.lower() == name.lower():
            return Response(200, dumps(policy_v1(policy) if version == 1 else policy_v2(policy, full=True)))
    return error(404, "PolicyNotFound", f"The policy '{name}' could not be found.")


UNBLOCKABLE = ("shared_approvals", "shared_office365users", "shared_teams", "shared_planner")


def connector_metadata(ctx, request, kind):
    """GET the DLP connector metadata, as a bare array."""
    names = {c.name: c.display_name for c in CONNECTORS}
    if kind.lower() == "unblockable":
        body = [{"id": connector_id(name), "metadata": {"unblockable": True}} for name in UNBLOCKABLE]
    else:
        body = [{"id": "Http", "metadata": {"virtualConnector": True, "displayName": "HTTP"}},
                {"id": "HttpWebhook", "metadata": {"virtualConnector": True, "displayName": "HTTP Webhook"}},
                {"id": "HttpRequestReceived", "metadata": {"virtualConnector": True,
                                                           "displayName": "When a HTTP request is received"}}]
    for entry in body:
        entry.setdefault("name", names.get(entry["id"].rsplit("/", 1)[-1], entry["id"]))
    # Bare arrays, no value wrapper.
    return Response(200, json.dumps(body).encode())
