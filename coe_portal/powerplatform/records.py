"""Typed records parsed from the admin APIs' JSON: unknown fields ignored, missing ones reported."""

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import MalformedResponse

__all__ = [
    "AppRecord", "BotRecord", "ConnectorRecord", "ConnectorRef", "EnvironmentRecord", "FlowDetail", "FlowRecord",
    "SiteRecord", "UserRecord", "parse_app", "parse_bot", "parse_connector", "parse_environment", "parse_flow",
    "parse_flow_detail", "parse_site", "parse_user",
]

BUILTIN_ACTIONS = {"http": "HTTP", "httpwebhook": "HTTP Webhook", "request": "When an HTTP request is received"}
# Native Dataverse use of a canvas app (its `databaseReferences`) counts for DLP as this connector: the
# service's own evaluation of such an app names it ("The app uses the following connectors:
# shared_commondataservice.", in a recorded admin apps answer whose connectionReferences are empty).
DATAVERSE_NATIVE = "shared_commondataservice"
GRAPH_USER = "#microsoft.graph.user"


def _time(value):
    """An ISO 8601 time as the services send it, always aware.

    They write up to 7 fractional digits, `Z` or an offset such as `+02:00`, or (Dataverse,
    some governance bodies) no zone at all, which is UTC. Python 3.11's fromisoformat reads
    each of these forms; a time without a zone is taken as UTC, never as local time.
    """
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


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
    # What DLP's action and endpoint rules look at, where the item's definition names them.
    actions: list = field(default_factory=list)
    endpoints: list = field(default_factory=list)


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
    capacity: dict  # capacity type -> {"actual": MB, "rated": MB}; rated is what counts against the entitlement
    creator: "UserRecord | None" = None  # a person; None for SYSTEM (the default environment) or an application


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
    uses_premium: bool | None = None  # the service's usesPremiumApi; None when it does not say


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
    swagger_url: str = ""  # custom connectors: their definition, which names the host DLP URL patterns match
    host_url: str = ""  # read from that definition (client.connector_host)


@dataclass
class UserRecord:
    """A person as Power Apps or Graph describes them. None: the answer did not say (unknown, not empty)."""

    object_id: str
    display_name: str = ""
    email: str = ""
    user_principal_name: str = ""
    department: str | None = None
    location: str | None = None
    enabled: bool | None = None


def parse_environment(item, url=""):
    props = _require(item, "properties", url=url)
    sku = props.get("environmentSku") or "Other"
    capacity = {entry.get("capacityType"): {"actual": entry.get("actualConsumption"),
                                            "rated": entry.get("ratedConsumption")}
                for entry in props.get("capacity") or [] if isinstance(entry, dict)}
    linked = props.get("linkedEnvironmentMetadata") or {}
    return EnvironmentRecord(
        env_id=_require(item, "name", url=url), display_name=props.get("displayName") or item["name"],
        environment_type="Trial" if sku == "SubscriptionBasedTrial" else sku,
        region=item.get("location", ""), azure_region=props.get("azureRegion", ""),
        is_default=bool(props.get("isDefault")),
        is_managed=(props.get("governanceConfiguration") or {}).get("protectionLevel") == "Standard",
        dataverse_url=(linked.get("instanceUrl") or "").rstrip("/"), created_time=_time(props.get("createdTime")),
        capacity=capacity, creator=_person(props.get("createdBy")),
    )


def _person(value):
    """A createdBy principal that is a person (an Entra object id); BAP writes "SYSTEM" for the default one."""
    user = parse_user(value)
    if user is None or value.get("type", "User") != "User":
        return None
    try:
        uuid.UUID(user.object_id)
    except ValueError:
        return None
    return user


def _app_kind(item, props):
    if item.get("appType") == "CustomCanvasPage":  # a custom page of a model-driven app
        return "custom_page"
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
        data_sets = ref.get("dataSets") if isinstance(ref.get("dataSets"), dict) else {}
        refs.append(ConnectorRef(
            connector_id=_connector_name(ref["id"]), display_name=ref.get("displayName", ""),
            tier=(ref.get("apiTier") or "").lower(), is_custom=bool(ref.get("isCustomApiConnection")),
            connection_id=ref.get("sharedConnectionId") or ref.get("connectionName") or "",
            data_sources=[str(source) for source in ref.get("dataSources") or []],
            endpoints=sorted(map(str, data_sets)),
        ))
    sources = [str(name) for database in (props.get("databaseReferences") or {}).values()
               if isinstance(database, dict) for name in (database.get("dataSources") or {})]
    if props.get("databaseReferences"):
        refs.append(ConnectorRef(connector_id=DATAVERSE_NATIVE, display_name="Microsoft Dataverse",
                                 data_sources=sources))
    return refs


def _known(value, key):
    """`value[key]` as text, "" for an explicit null, None when the key is absent (unknown)."""
    if key not in value:
        return None
    return str(value[key] or "")


def parse_user(value):
    """An owner / creator principal as Power Apps writes it, or a Graph user.

    Rule: a property the answer does not carry is unknown (None), never "enabled" or an empty
    department; only a Graph object typed as a user is a user (a group or a device id is not).
    """
    if not isinstance(value, dict) or not value.get("id"):
        return None
    if value.get("@odata.type", GRAPH_USER) != GRAPH_USER:
        return None
    enabled = value.get("accountEnabled")
    return UserRecord(object_id=value["id"], display_name=value.get("displayName") or "",
                      email=value.get("email") or value.get("mail") or "",
                      user_principal_name=value.get("userPrincipalName") or "",
                      department=_known(value, "department"), location=_known(value, "officeLocation"),
                      enabled=enabled if isinstance(enabled, bool) else None)


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
        uses_premium=props["usesPremiumApi"] if isinstance(props.get("usesPremiumApi"), bool) else None,
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
    """A flow's full GET: its trigger, the connectors it uses, and per connector the operations and endpoints.

    Rules: the service sends `flowTriggerUri` for every trigger kind (recurrence and button flows
    too), so it is kept only for an HTTP request trigger, whose callers need it. The built-in
    HTTP trigger and actions are usages of their own (`request`, `http`, `httpwebhook`), as DLP
    classifies them.
    """
    props = _require(item, "properties", url=url)
    summary = props.get("definitionSummary") or {}
    triggers = [t for t in summary.get("triggers") or [] if isinstance(t, dict)]
    first = triggers[0] if triggers else {}
    has_http_trigger = any(t.get("type") == "Request" and (t.get("kind") or "Http") == "Http" for t in triggers)
    operations = _operations(triggers + [a for a in summary.get("actions") or [] if isinstance(a, dict)])
    endpoints = _endpoints(props.get("definition"))
    refs = [ConnectorRef(connector_id=name, display_name=ref.get("displayName", ""),
                         tier=(ref.get("tier") or "").lower().replace("notspecified", ""),
                         connection_id=ref.get("connectionName", ""), actions=sorted(operations.get(name, ())),
                         endpoints=sorted(endpoints.get(name, ())))
            for name, ref in _flow_references(props)]
    builtins = {"request"} if has_http_trigger else set()
    builtins |= {a.get("type", "").lower() for a in summary.get("actions") or [] if isinstance(a, dict)} & {
        "http", "httpwebhook"}
    refs += [ConnectorRef(connector_id=name, display_name=BUILTIN_ACTIONS[name],
                          endpoints=sorted(endpoints.get(name, ()))) for name in sorted(builtins)]
    trigger_connector, trigger_table = _trigger_source(first, props.get("definition"))
    return FlowDetail(flow_id=_require(item, "name", url=url),
                      trigger_kind=first.get("kind") or first.get("type") or "", has_http_trigger=has_http_trigger,
                      trigger_url=(props.get("flowTriggerUri") or "") if has_http_trigger else "", connectors=refs,
                      trigger_connector=trigger_connector, trigger_table=trigger_table)


def _flow_references(props):
    for ref in (props.get("connectionReferences") or {}).values():
        if isinstance(ref, dict) and "id" in ref:
            yield _connector_name(ref["id"]), ref


def _operations(summaries):
    """{connector: {operation id}} from the definition summary's triggers and actions."""
    found = {}
    for entry in summaries:
        api = entry.get("api") if isinstance(entry.get("api"), dict) else {}
        operation = entry.get("swaggerOperationId")
        if operation and (api.get("name") or api.get("id")):
            found.setdefault(_connector_name(str(api.get("name") or api["id"])), set()).add(str(operation))
    return found


def _endpoints(definition):
    """{connector: {endpoint}}: the URI of built-in HTTP actions, and a connector action's named dataset.

    An endpoint written as an expression (`@{...}`) is known only when the flow runs: it is left out.
    """
    found = {}
    for action in _walk_actions((definition or {}).get("actions") if isinstance(definition, dict) else None):
        inputs = action.get("inputs") if isinstance(action.get("inputs"), dict) else {}
        kind = str(action.get("type") or "").lower()
        if kind in ("http", "httpwebhook"):
            endpoint, connector = inputs.get("uri") or (inputs.get("subscribe") or {}).get("uri"), kind
        else:
            host = inputs.get("host") if isinstance(inputs.get("host"), dict) else {}
            parameters = inputs.get("parameters") if isinstance(inputs.get("parameters"), dict) else {}
            endpoint = parameters.get("dataset") or parameters.get("server")
            connector = _connector_name(str(host.get("apiId") or host.get("connectionName") or ""))
        if isinstance(endpoint, str) and endpoint and "@" not in endpoint and endpoint != "default" and connector:
            found.setdefault(connector, set()).add(endpoint[:300])
    return found


def _walk_actions(actions):
    """Every action of a definition, those nested in conditions, scopes and loops included."""
    for action in (actions or {}).values() if isinstance(actions, dict) else ():
        if not isinstance(action, dict):
            continue
        yield action
        yield from _walk_actions(action.get("actions"))
        yield from _walk_actions((action.get("else") or {}).get("actions") if isinstance(action.get("else"), dict)
                                 else None)
        for case in (action.get("cases") or {}).values() if isinstance(action.get("cases"), dict) else ():
            yield from _walk_actions(case.get("actions") if isinstance(case, dict) else None)


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
    definitions = props.get("apiDefinitions") if isinstance(props.get("apiDefinitions"), dict) else {}
    return ConnectorRecord(connector_id=_connector_name(_require(item, "name", url=url)),
                           display_name=props.get("displayName", ""), tier=(props.get("tier") or "").lower(),
                           is_custom=bool(props.get("isCustomApi")), publisher=props.get("publisher") or "",
                           swagger_url=(definitions.get("originalSwaggerUrl") or "") if props.get("isCustomApi")
                           else "")


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
