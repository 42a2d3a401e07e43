"""DLP policies through the v2 governance API, and their resource exemptions (power-platform-api.md, 10b/10d)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import ApiError, MalformedResponse
from .records import _connector_name, _require, _time

__all__ = ["PolicyRecord", "list_policies", "policy_exemptions"]

GOVERNANCE = "/providers/PowerPlatform.Governance"


@dataclass
class PolicyRecord:
    name: str
    display_name: str
    default_group: str  # the API's classification: Confidential, General or Blocked
    scope: str
    environments: list
    groups: dict = field(default_factory=dict)  # classification -> [connector id]
    custom_connector_group: str = ""  # classification of the "*" URL pattern; "" for Ignore or none
    etag: str = ""
    modified_by: str = ""
    modified_time: datetime | None = None


def parse_policy(body, url=""):
    """Parse a v2 policy (`GET .../v2/policies/{name}`), connector groups included."""
    definition = _require(body, "policyDefinition", url=url)
    groups = {}
    for group in _require(definition, "connectorGroups", url=url):
        groups[group["classification"]] = [_connector_name(c["id"]) for c in group.get("connectors") or []]
    custom = ""
    for rule in ((body.get("customConnectorUrlPatternsDefinition") or {}).get("rules") or []):
        if rule.get("pattern") == "*" and rule.get("customConnectorRuleClassification") != "Ignore":
            custom = rule.get("customConnectorRuleClassification") or ""
    return PolicyRecord(
        name=_require(definition, "name", url=url), display_name=definition.get("displayName") or definition["name"],
        default_group=definition.get("defaultConnectorsClassification") or "General",
        scope=definition.get("environmentType") or "AllEnvironments",
        environments=[env.get("name") or env["id"].rsplit("/", 1)[-1] for env in definition.get("environments") or []],
        groups=groups, custom_connector_group=custom, etag=definition.get("etag") or "",
        modified_by=(definition.get("lastModifiedBy") or {}).get("displayName") or "",
        modified_time=_aware(_time(definition.get("lastModifiedTime"))),
    )


def _aware(value):
    # Governance times come with or without an offset; without one they are UTC.
    return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


def list_policies(client):
    """Every DLP policy with its connector groups: the v2 list, then one GET per policy (the list lacks groups)."""
    url = f"{client.bases['bap']}{GOVERNANCE}/v2/policies"
    names = []
    while url:
        body = client.transport.request("GET", url)
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise MalformedResponse("policy list without a value list", url)
        names += [_require(item, "policyDefinition", "name", url=url) for item in body["value"]]
        url = body.get("nextLink") or body.get("@odata.nextLink")
    return [get_policy(client, name) for name in names]


def get_policy(client, name):
    """One DLP policy in the v2 shape."""
    url = f"{client.bases['bap']}{GOVERNANCE}/v2/policies/{name}"
    return parse_policy(client.transport.request("GET", url), url)


def policy_exemptions(client, tenant_id, name):
    """[(kind, item name)] the policy exempts, kind "app" or "flow"; none when it has no exemption list (404)."""
    url = f"{client.bases['bap']}{GOVERNANCE}/v1/tenants/{tenant_id}/policies/{name}/exemptResources"
    try:
        body = client.transport.request("GET", url)
    except ApiError as exc:
        if exc.status == 404:
            return []
        raise
    exempt = []
    for resource in (body or {}).get("exemptResources") or []:
        kind = "flow" if "flows" in (resource.get("type") or "").lower() else "app"
        exempt.append((kind, resource["id"].rstrip("/").rsplit("/", 1)[-1]))
    return exempt
