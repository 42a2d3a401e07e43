"""DLP policies through the v2 governance API, and their resource exemptions (power-platform-api.md, 10b/10d)."""

from dataclasses import dataclass, field
from datetime import datetime

from .errors import ApiError, MalformedResponse
from .records import _connector_name, _require, _time

__all__ = ["PolicyRecord", "list_policies", "policy_exemptions"]

GOVERNANCE = "/providers/PowerPlatform.Governance"


# DLP policies name the built-in HTTP connectors by virtual ids (`Http`, `HttpWebhook`,
# `HttpRequestReceived`: the governance API's virtual connector metadata), while a flow's
# definition calls them `http`, `httpwebhook` and `request` (records.BUILTIN_ACTIONS): one name each.
VIRTUAL_CONNECTORS = {"http": "http", "httpwebhook": "httpwebhook", "httprequestreceived": "request"}


def policy_connector_id(api_id):
    """A connector id as a policy writes it -> the inventory's id (virtual HTTP ids included)."""
    name = _connector_name(api_id)
    return VIRTUAL_CONNECTORS.get(name, name)


@dataclass
class PolicyRecord:
    name: str
    display_name: str
    default_group: str  # the API's classification: Confidential, General or Blocked
    scope: str
    environments: list
    groups: dict = field(default_factory=dict)  # classification -> [connector id]
    custom_connector_group: str = ""  # classification of the "*" URL pattern; "" for Ignore or none
    # [{"order", "pattern", "group"}] in order: the first pattern a custom connector's host matches decides
    url_patterns: list = field(default_factory=list)
    # {connector id: {"default": "Allow"|"Block", "actions": {operation id: "Allow"|"Block"}}}
    action_rules: dict = field(default_factory=dict)
    # {connector id: [{"order", "endpoint", "behavior": "Allow"|"Deny"}]} in order
    endpoint_rules: dict = field(default_factory=dict)
    etag: str = ""
    modified_by: str = ""
    modified_time: datetime | None = None


def _url_patterns(body):
    rules = (body.get("customConnectorUrlPatternsDefinition") or {}).get("rules") or []
    patterns = [{"order": int(rule.get("order") or 0), "pattern": str(rule.get("pattern") or ""),
                 "group": str(rule.get("customConnectorRuleClassification") or "")}
                for rule in rules if isinstance(rule, dict) and rule.get("pattern")]
    return sorted(patterns, key=lambda rule: rule["order"])


def _action_rules(configurations):
    rules = {}
    for entry in configurations.get("connectorActionConfigurations") or []:
        if isinstance(entry, dict) and entry.get("connectorId"):
            rules[policy_connector_id(entry["connectorId"])] = {
                "default": entry.get("defaultConnectorActionRuleBehavior") or "Allow",
                "actions": {str(rule["actionId"]): str(rule.get("behavior") or "Allow")
                            for rule in entry.get("actionRules") or []
                            if isinstance(rule, dict) and "actionId" in rule}}
    return rules


def _endpoint_rules(configurations):
    rules = {}
    for entry in configurations.get("endpointConfigurations") or []:
        if isinstance(entry, dict) and entry.get("connectorId"):
            ordered = [{"order": int(rule.get("order") or 0), "endpoint": str(rule.get("endPoint") or ""),
                        "behavior": str(rule.get("behavior") or "Allow")}
                       for rule in entry.get("endpointRules") or [] if isinstance(rule, dict)]
            rules[policy_connector_id(entry["connectorId"])] = sorted(ordered, key=lambda rule: rule["order"])
    return rules


def parse_policy(body, url=""):
    """Parse a v2 policy (`GET .../v2/policies/{name}`): connector groups, URL patterns, action and endpoint rules."""
    definition = _require(body, "policyDefinition", url=url)
    groups = {}
    for group in _require(definition, "connectorGroups", url=url):
        groups[group["classification"]] = [policy_connector_id(c["id"]) for c in group.get("connectors") or []]
    patterns = _url_patterns(body)
    custom = next((rule["group"] for rule in patterns if rule["pattern"] == "*" and rule["group"] != "Ignore"), "")
    configurations = body.get("connectorConfigurationsDefinition") or {}
    return PolicyRecord(
        name=_require(definition, "name", url=url), display_name=definition.get("displayName") or definition["name"],
        default_group=definition.get("defaultConnectorsClassification") or "General",
        scope=definition.get("environmentType") or "AllEnvironments",
        environments=[env.get("name") or env["id"].rsplit("/", 1)[-1] for env in definition.get("environments") or []],
        groups=groups, custom_connector_group=custom, url_patterns=patterns,
        action_rules=_action_rules(configurations), endpoint_rules=_endpoint_rules(configurations),
        etag=definition.get("etag") or "",
        modified_by=(definition.get("lastModifiedBy") or {}).get("displayName") or "",
        modified_time=_time(definition.get("lastModifiedTime")),
    )


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
