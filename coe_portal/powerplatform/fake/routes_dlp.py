"""DLP resource exemptions (power-platform-api.md, 10d): read one policy's exemptResources."""

from .common import error
from .render import dumps
from .server import Response

__all__ = ["get_exempt_resources"]

EXEMPT = (r"(?i)/providers/PowerPlatform\.Governance/v1/tenants/(?P<tenant>[^/]+)"
          r"/policies/(?P<name>[^/]+)/exemptResources")


def _resource(kind, env, name):
    if kind == "flow":
        return {"id": f"/providers/Microsoft.ProcessSimple/environments/{env}/flows/{name}",
                "type": "Microsoft.ProcessSimple/environments/flows"}
    return {"id": f"/providers/Microsoft.PowerApps/apps/{name}", "type": "Microsoft.PowerApps/apps"}


def get_exempt_resources(ctx, request, tenant, name):
    """GET a policy's exempt resources; 404 when the policy has no exemption list."""
    for policy in ctx.tenant.policies:
        if policy.name.lower() == name.lower() and policy.exempt_resources:
            body = {"exemptResources": [_resource(*entry) for entry in policy.exempt_resources],
                    "lastModifiedTime": "2026-01-01T00:00:00Z", "lastModifiedBy": policy.created_by}
            return Response(200, dumps(body))
    return error(404, "ExemptResourcesNotFound", f"The policy '{name}' has no exempt resources.")
