"""Typed records parsed from the admin APIs' JSON: unknown fields ignored, missing ones reported."""

import json
from dataclasses import dataclass, field
from datetime import datetime

from .errors import MalformedResponse

__all__ = [
    "AppRecord", "BotRecord", "ConnectorRecord", "ConnectorRef", "EnvironmentRecord", "FlowDetail", "FlowRecord",
    "SiteRecord", "UserRecord", "parse_app", "parse_bot", "parse_connector", "parse_environment", "parse_flow",
    "parse_flow_detail", "parse_site", "parse_user",
]

BUILTIN_ACTIONS = {"http": "HTTP", "httpwebhook": "HTTP Webhook", "request": "When an HTTP request is received"}


def _time(value):
    if not value:
        return None
    # Fractions come with up to 7 digits; fromisoformat takes 6.
    text = value.replace("Z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        digits = "".join(ch for ch in tail if ch.isdigit())
        text = f"{head}.{digits[:6]}{tail[len(digits):]}"
    return datetime.fromisoformat(text)


def _require(item, *path, url=""):
    value = item
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise MalformedResponse(f"item without {'.'.join(path)}", url)
        value = value[key]
    return value


def _connector_name(api_id):
    return api_id.rstrip("/").rsplit("/", 1)[-1].lower()


@dataclass
class ConnectorRef:
    connector_id: str
    display_name: str = ""
    tier: str = ""
    is_custom: bool = False
    connection_id: str = ""
    data_sources: list = field(default_factory=list)


@dataclass
class EnvironmentRecord:
    env_id: str
    display_name: str
    environment_type: str
    region: str
    azure_region: str
    is_default: bool
    is_managed: bool
    dataverse_url: str
    created_time: datetime | None
    capacity: dict


@dataclass
class AppRecord:
    app_id: str
    env_id: str
    display_name: str
    kind: str
    owner: "UserRecord | None"
    created_time: datetime | None
    modified_time: datetime | None
    published_time: datetime | None
    shared_users_count: int
    shared_groups_count: int
    is_solution_aware: bool
    open_url: str
    quarantined: bool
    connectors: list


@dataclass
class FlowRecord:
    flow_id: str
    env_id: str
    display_name: str
    state: str
    suspension_reason: str
    creator_object_id: str
    created_time: datetime | None
    modified_time: datetime | None
    is_solution_aware: bool


@dataclass
class FlowDetail:
    flow_id: str
    trigger_kind: str
    has_http_trigger: bool
    trigger_url: str
    connectors: list
    # The connector the trigger listens on and, for a Dataverse row trigger, the table it watches.
    trigger_connector: str = ""
    trigger_table: str = ""


@dataclass
class ConnectorRecord:
    connector_id: str
    display_name: str
    tier: str
    is_custom: bool
    publisher: str


@dataclass
class UserRecord:
    object_id: str
    display_name: str = ""
    email: str = ""
    user_principal_name: str = ""
    department: str = ""
    location: str = ""
    enabled: bool = True


def parse_environment(item, url=""):
    props = _require(item, "properties", url=url)
    sku = props.get("environmentSku") or "Other"
    capacity = {entry.get("capacityType"): entry.get("actualConsumption") for entry in props.get("capacity") or []}
    linked = props.get("linkedEnvironmentMetadata") or {}
    return EnvironmentRecord(
        env_id=_require(item, "name", url=url), display_name=props.get("displayName") or item["name"],
        environment_type="Trial" if sku == "SubscriptionBasedTrial" else sku,
        region=item.get("location", ""), azure_region=props.get("azureRegion", ""),
        is_default=bool(props.get("isDefault")),
        is_managed=(props.get("governanceConfiguration") or {}).get("protectionLevel") == "Standard",
        dataverse_url=(linked.get("instanceUrl") or "").rstrip("/"), created_time=_time(props.get("createdTime")),
        capacity=capacity,
    )


def _app_kind(item, props):
    if item.get("isAppComponentLibrary") or props.get("isAppComponentLibrary"):
        return "component_library"
    if props.get("embeddedApp") or "SharePoint" in (item.get("appType") or ""):
        return "sharepoint_form"
    return "canvas"


def _app_connectors(props):
    refs = []
    for ref in (props.get("connectionReferences") or {}).values():
        if not isinstance(ref, dict) or "id" not in ref:
            continue
        refs.append(ConnectorRef(
            connector_id=_connector_name(ref["id"]), display_name=ref.get("displayName", ""),
            tier=(ref.get("apiTier") or "").lower(), is_custom=bool(ref.get("isCustomApiConnection")),
            connection_id=ref.get("sharedConnectionId") or ref.get("connectionName") or "",
            data_sources=[str(source) for source in ref.get("dataSources") or []],
        ))
    return refs


def parse_user(value):
    if not isinstance(value, dict) or not value.get("id"):
        return None
    return UserRecord(object_id=value["id"], display_name=value.get("displayName", ""),
                      email=value.get("email") or value.get("mail") or "",
                      user_principal_name=value.get("userPrincipalName", ""),
                      department=value.get("department") or "", location=value.get("officeLocation") or "",
                      enabled=value.get("accountEnabled", True) is not False)


def parse_app(item, url=""):
    props = _require(item, "properties", url=url)
    restrictions = props.get("executionRestrictions") or {}
    quarantine = (restrictions.get("appQuarantineState") or {}).get("quarantineStatus") or ""
    return AppRecord(
        app_id=_require(item, "name", url=url), env_id=(props.get("environment") or {}).get("name", ""),
        display_name=props.get("displayName") or item["name"], kind=_app_kind(item, props),
        owner=parse_user(props.get("owner")), created_time=_time(props.get("createdTime")),
        modified_time=_time(props.get("lastModifiedTime")), published_time=_time(props.get("lastPublishTime")),
        shared_users_count=int(props.get("sharedUsersCount") or 0),
        shared_groups_count=int(props.get("sharedGroupsCount") or 0),
        is_solution_aware=props.get("almMode") == "Solution", open_url=props.get("appOpenUri") or "",
        quarantined=quarantine.lower() == "quarantined", connectors=_app_connectors(props),
    )


def parse_flow(item, url=""):
    props = _require(item, "properties", url=url)
    creator = props.get("creator") or {}
    return FlowRecord(
        flow_id=_require(item, "name", url=url), env_id=(props.get("environment") or {}).get("name", ""),
        display_name=props.get("displayName") or item["name"], state=props.get("state") or "Started",
        suspension_reason="" if props.get("flowSuspensionReason") in (None, "None") else props["flowSuspensionReason"],
        creator_object_id=creator.get("objectId") or creator.get("userId") or "",
        created_time=_time(props.get("createdTime")), modified_time=_time(props.get("lastModifiedTime")),
        is_solution_aware=bool(props.get("workflowEntityId")),
    )


def parse_flow_detail(item, url=""):
    props = _require(item, "properties", url=url)
    summary = props.get("definitionSummary") or {}
    triggers = summary.get("triggers") or []
    first = triggers[0] if triggers and isinstance(triggers[0], dict) else {}
    has_http_trigger = any(t.get("type") == "Request" and (t.get("kind") or "Http") == "Http"
                           for t in triggers if isinstance(t, dict))
    refs = [ConnectorRef(connector_id=_connector_name(ref["id"]), display_name=ref.get("displayName", ""),
                         tier=(ref.get("tier") or "").lower().replace("notspecified", ""),
                         connection_id=ref.get("connectionName", ""))
            for ref in (props.get("connectionReferences") or {}).values() if isinstance(ref, dict) and "id" in ref]
    builtins = {"request"} if has_http_trigger else set()
    builtins |= {a.get("type", "").lower() for a in summary.get("actions") or [] if isinstance(a, dict)} & {
        "http", "httpwebhook"}
    refs += [ConnectorRef(connector_id=name, display_name=BUILTIN_ACTIONS[name]) for name in sorted(builtins)]
    trigger_connector, trigger_table = _trigger_source(first, props.get("definition"))
    return FlowDetail(flow_id=_require(item, "name", url=url),
                      trigger_kind=first.get("kind") or first.get("type") or "", has_http_trigger=has_http_trigger,
                      trigger_url=props.get("flowTriggerUri") or "", connectors=refs,
                      trigger_connector=trigger_connector, trigger_table=trigger_table)


def _trigger_source(summary, definition):
    """(connector, table) of the flow's first trigger: the summary's api, the definition's table parameter.

    A Dataverse row trigger names its table in `subscriptionRequest/entityname` (older CDS
    triggers: `entityName`); other triggers have none, and "" is returned for it.
    """
    api = summary.get("api") if isinstance(summary.get("api"), dict) else {}
    triggers = (definition or {}).get("triggers") if isinstance(definition, dict) else None
    body = next(iter(triggers.values()), {}) if isinstance(triggers, dict) and triggers else {}
    inputs = body.get("inputs") if isinstance(body, dict) and isinstance(body.get("inputs"), dict) else {}
    host = inputs.get("host") if isinstance(inputs.get("host"), dict) else {}
    connector = _connector_name(str(api.get("id") or api.get("name") or host.get("apiId") or ""))
    parameters = inputs.get("parameters") if isinstance(inputs.get("parameters"), dict) else {}
    table = next((str(value) for key, value in parameters.items()
                  if str(key).lower().endswith("entityname") and value), "")
    return connector[:100], table.lower()[:100]


def parse_connector(item, url=""):
    props = _require(item, "properties", url=url)
    return ConnectorRecord(connector_id=_connector_name(_require(item, "name", url=url)),
                           display_name=props.get("displayName", ""), tier=(props.get("tier") or "").lower(),
                           is_custom=bool(props.get("isCustomApi")), publisher=props.get("publisher") or "")


def created_by_of(connector_item):
    """Connector metadata carries createdBy as a JSON-encoded string."""
    raw = ((connector_item.get("properties") or {}).get("metadata") or {}).get("createdBy")
    try:
        return json.loads(raw) if isinstance(raw, str) else (raw or {})
    except ValueError:
        return {}


@dataclass
class BotRecord:
    """A row of Dataverse's `bots` table: a Copilot Studio agent."""

    bot_id: str
    display_name: str
    owner_object_id: str
    created_time: datetime | None
    modified_time: datetime | None
    is_published: bool


@dataclass
class SiteRecord:
    """A row of Dataverse's `powerpagesites` table: a Power Pages website."""

    site_id: str
    display_name: str
    owner_object_id: str
    website_url: str
    created_time: datetime | None
    modified_time: datetime | None


def _owner_object_id(item):
    # `_ownerid_value` is a Dataverse systemuser id; the Entra object id comes with $expand=owninguser.
    return ((item.get("owninguser") or {}).get("azureactivedirectoryobjectid") or "").lower()


def parse_bot(item, url=""):
    bot_id = _require(item, "botid", url=url)
    if not bot_id:
        raise MalformedResponse("bot without an id", url)
    return BotRecord(bot_id=bot_id, display_name=item.get("name") or bot_id, owner_object_id=_owner_object_id(item),
                     created_time=_time(item.get("createdon")), modified_time=_time(item.get("modifiedon")),
                     is_published=bool(item.get("publishedon")))


def parse_site(item, url=""):
    site_id = _require(item, "powerpagesiteid", url=url)
    if not site_id:
        raise MalformedResponse("site without an id", url)
    domain = item.get("primarydomainname") or ""
    return SiteRecord(site_id=site_id, display_name=item.get("name") or site_id,
                      owner_object_id=_owner_object_id(item), website_url=f"https://{domain}" if domain else "",
                      created_time=_time(item.get("createdon")), modified_time=_time(item.get("modifiedon")))
