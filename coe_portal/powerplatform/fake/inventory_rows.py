"""The rows of `PowerPlatformResources` (inventory-api.md §1.5, §2, §3.4) as the fake serves them.

No recording of this API is public: every shape here follows the reference's section named beside
it, and what the reference marks unverified is marked so here. Ids are the legacy APIs' own: an
app's `name` is its Power Apps name, a flow's its Flow name, an agent's its Dataverse `botid`.
"""

import random

from .catalog import CONNECTORS
from .generate import BY_NAME
from .inventory import NULL_GUID, state_at
from .render import iso
from .render_flow import flow_operations

__all__ = ["TYPES", "table_rows"]

ENVIRONMENTS = "/providers/Microsoft.PowerPlatform/environments"
# type -> the provider segment of an item's id. Only the canvas app and environment forms are in the
# reference (§1.5); the others follow the same pattern (unverified).
SEGMENTS = {
    "microsoft.powerapps/canvasapps": "Microsoft.PowerApps/canvasApps",
    "microsoft.powerapps/modeldrivenapps": "Microsoft.PowerApps/modelDrivenApps",
    "microsoft.powerapps/codeapps": "Microsoft.PowerApps/codeApps",
    "microsoft.powerapps/apps": "Microsoft.PowerApps/apps",
    "microsoft.powerautomate/cloudflows": "Microsoft.PowerAutomate/cloudFlows",
    "microsoft.powerautomate/agentflows": "Microsoft.PowerAutomate/agentFlows",
    "microsoft.powerautomate/m365agentflows": "Microsoft.PowerAutomate/m365AgentFlows",
    "microsoft.copilotstudio/agents": "Microsoft.CopilotStudio/agents",
}
TYPES = (*SEGMENTS, "microsoft.powerplatform/environments", "microsoft.powerplatform/environmentgroups",
         "microsoft.powerplatformconnector/connectors")
ENVIRONMENT_TYPES = {"Teams": "Dataverse for Teams"}  # §2.3 lists "Dataverse for Teams"; BAP says "Teams"
FLOW_TRIGGER_TYPES = {"recurrence": "Recurrence", "connector": "Automated", "button": "Instant", "http": "Manual"}
# §2.3 live row: the trigger as an object; only "When Power Apps calls a flow (V2)" was seen, the rest is unverified.
BUILT_IN_TRIGGERS = {
    "recurrence": ("Recurrence", "Schedule", "Recurrence"),
    "button": ("Button", "Manual", "Manually trigger a flow"),
    "http": ("manual", "Request", "When a HTTP request is received"),
}


def table_rows(tenant, moment, types=None):
    """Yield the table's rows as of `moment` (seconds): every type, or those in `types`.

    Rows of apps, flows and inventory-only items are kept per version of the item (`Inventory.rows`,
    dropped by `FakeTenant.keep_version`), so a listing renders each version once; rows are shared, so
    no query stage may change one in place.
    """
    wanted = set(TYPES if types is None else types)
    inventory = tenant.inventory
    envs = {env.name: env for env in tenant.environments}
    kept, form = inventory.rows, inventory.options.trigger_form

    def row_of(state, render, *args):
        key = (id(state), form)
        row = kept.get(key)
        if row is None:
            row = kept[key] = render(tenant, *args, state)
        return row

    for env in tenant.environments:
        if "microsoft.powerplatform/environments" in wanted and env.created <= moment:
            yield _environment(tenant, inventory, env)
        if "microsoft.powerapps/canvasapps" in wanted:
            for app in env.apps:
                app = state_at(app, moment)
                if app is not None and app.kind != "custom_page":  # a model-driven app's page, not an app
                    yield row_of(app, _canvas_app, env)
        if "microsoft.powerautomate/cloudflows" in wanted:
            for flow in env.flows:
                flow = state_at(flow, moment)
                if flow is not None:
                    yield row_of(flow, _cloud_flow, inventory, env)
    for resource in inventory.resources:
        if resource.type in wanted:
            resource = state_at(resource, moment)
            if resource is not None:
                yield row_of(resource, _resource, envs[resource.env])
    if "microsoft.powerplatform/environmentgroups" in wanted:
        home = tenant.default_environment.location
        for group in inventory.groups:
            group = state_at(group, moment)
            if group is not None:
                yield _row(tenant, group.type, f"/providers/Microsoft.PowerPlatform/environmentGroups/{group.name}",
                           group.name, home, {**_shared(group.display_name, group.created, group.creator),
                                              "description": group.details["description"],
                                              "lastModifiedAt": iso(group.modified)})
    if "microsoft.powerplatformconnector/connectors" in wanted:
        yield from (_connector(connector) for connector in CONNECTORS)


def _row(tenant, kind, path, name, location, properties):
    """§1.5 ResourceItem: the ARM columns are present but empty for Power Platform rows (code id 62607358516)."""
    return {"id": path, "name": name, "type": kind, "tenantId": tenant.tenant_id, "kind": "", "location": location,
            "resourceGroup": "", "subscriptionId": "", "managedBy": "", "sku": None, "plan": None, "tags": None,
            "identity": None, "zones": None, "extendedLocation": None, "properties": properties}


def _shared(display_name, created, creator):
    """§2.2 shared fields; `createdBy` is an Entra object id, the null GUID for platform-provisioned items."""
    return {"displayName": display_name, "createdAt": iso(created), "createdBy": creator or NULL_GUID}


def _item_path(env, kind, name):
    return f"{ENVIRONMENTS}/{env.name}/providers/{SEGMENTS[kind]}/{name}"


def _environment(tenant, inventory, env):
    """§2.3 Environments; group membership only here (the fake's BAP answers do not carry it)."""
    props = {**_shared(env.display_name, env.created, env.creator.oid if env.creator else None),
             "environmentType": ENVIRONMENT_TYPES.get(env.sku, env.sku), "isManaged": env.managed,
             "lastModifiedAt": iso(env.created + 86400)}
    group = inventory.group_of.get(env.name)
    if group is not None:
        props.update(environmentGroup=group.display_name, environmentGroupId=group.name)
    return _row(tenant, "microsoft.powerplatform/environments", f"{ENVIRONMENTS}/{env.name}", env.name, env.location,
                props)


def _canvas_app(tenant, env, app):
    """§2.3 Canvas apps, in the key order of the §3.4 live row."""
    kind = "microsoft.powerapps/canvasapps"
    owner = app.owner.oid
    props = {"lastModifiedAt": iso(app.modified), **_shared(app.display_name, app.created, owner),
             "environmentId": env.name, "powerPlatformConnectors": _app_usage(app), "ownerId": owner,
             "isQuarantined": app.quarantined, "lastModifiedBy": owner}
    return _row(tenant, kind, _item_path(env, kind, app.name), app.name, env.location, props)


def _usage(connector_name, operations, tabular):
    """§2.4: tabular connectors come with empty operations; a connector may come with no `operations` key."""
    if tabular:
        return {"connectorId": connector_name, "operations": []}
    if operations is None:
        return {"connectorId": connector_name}
    return {"connectorId": connector_name, "operations": [{"operationId": op} for op in operations]}


def _app_usage(app):
    # Apps' operations are in no admin answer, so they are drawn from the app's seed (no draw of its generator).
    rng = random.Random(app.seed ^ 0x5EED)
    return [_usage(c.name, None if rng.random() < 0.3 else rng.sample(c.actions, min(len(c.actions), 2)),
                   "tabular" in c.capabilities) for c in app.connectors]


def _flow_connector_id(name):
    # §2.4: flows name Dataverse without the `shared_` prefix (live row); the other connectors keep it.
    return "commondataserviceforapps" if name == "shared_commondataserviceforapps" else name


def _cloud_flow(tenant, inventory, env, flow):
    """§2.3 Cloud flows: the documented form (string trigger) or the live form (object trigger, status)."""
    kind = "microsoft.powerautomate/cloudflows"
    trigger_operation, operations = flow_operations(flow)
    by_connector = {}
    for connector, operation in operations:
        by_connector.setdefault(connector, []).append(operation)
    usage = [_usage(_flow_connector_id(c.name), ops, "tabular" in c.capabilities) for c, ops in by_connector.items()]
    creator = flow.creator.oid  # the flow owner column holds the creator (§2.3 owner caveat)
    props = {"lastModifiedAt": iso(flow.modified), **_shared(flow.display_name, flow.created, creator),
             "environmentId": env.name, "ownerId": creator, "powerPlatformConnectors": usage,
             "lastModifiedBy": creator}
    if flow.workflow_id:
        props["workflowEntityId"] = flow.workflow_id
    form = inventory.options.trigger_form
    if form == "object" or (form == "mixed" and flow.seed % 2):
        props.update(_live_trigger(flow, trigger_operation))
        if flow.seed % 4 == 1:
            props["lastModifiedBy"] = ""  # seen on the live row (§2.3)
    else:
        connector = flow.connectors[0].name.removeprefix("shared_") if flow.trigger == "connector" else ""
        props.update(trigger=connector, triggerOperation=trigger_operation if connector else "")
    return _row(tenant, kind, _item_path(env, kind, flow.name), flow.name, env.location, props)


def _live_trigger(flow, operation):
    """The undocumented fields of the §2.3/§3.4 live row: `trigger` as an object, `flowTriggerType`, `status`."""
    if flow.trigger == "connector":
        connector = flow.connectors[0]
        trigger = {"operationId": operation, "connectorId": connector.name,
                   "connectorDisplayName": connector.display_name, "operationDisplayName": operation}
    else:
        operation_id, connector_name, display = BUILT_IN_TRIGGERS[flow.trigger]
        trigger = {"operationId": operation_id, "connectorId": "", "connectorDisplayName": connector_name,
                   "operationDisplayName": display}
    # Live values: Activated, Suspended, Stopped, Started, NotStarted; which state maps to which is unverified.
    status = {"Started": "Activated" if flow.workflow_id else "Started"}.get(flow.state, flow.state)
    return {"flowTriggerType": FLOW_TRIGGER_TYPES[flow.trigger], "trigger": trigger, "status": status}


def _resource(tenant, env, resource):
    """A row of a kind only this API lists (§2.3 apps and flows, §2.5 agents)."""
    details = dict(resource.details)
    owner = resource.owner.oid if resource.owner is not None else resource.creator
    props = {**_shared(resource.display_name, resource.created, resource.creator), "environmentId": env.name,
             "ownerId": owner}
    kind = resource.type
    if kind == "microsoft.copilotstudio/agents":
        props.update(_agent(details))
    else:  # §2.6: modified fields are non-functional for agents, so only the others carry them
        props.update(lastModifiedAt=iso(resource.modified), lastModifiedBy=owner, **details)
        if kind == "microsoft.powerapps/apps":  # §2.3: the App Builder sample's own array, full ARM ids
            props["connectors"] = [{"connectorId": "/providers/Microsoft.PowerApps/apis/shared_sharepointonline",
                                    "connectionType": "invoker"}]
        elif kind != "microsoft.powerapps/codeapps":  # §2.4: code apps emit no connector data
            props["powerPlatformConnectors"] = [_usage("shared_office365", ["SendEmailV2"], False)]
    return _row(tenant, kind, _item_path(env, kind, resource.name), resource.name, env.location, props)


def _agent(details):
    """§2.5 agent fields; `tools` become the connector usage; times are seconds until rendered."""
    tools = details.pop("tools")
    for key in ("lastPublishedAt", "quarantinedAt"):
        if key in details:
            details[key] = iso(details[key])
    used = [BY_NAME[tool] for tool in tools]
    details["powerPlatformConnectors"] = [_usage(c.name, c.actions[:1], "tabular" in c.capabilities) for c in used]
    return details


def _connector(connector):
    """§2.3 Connectors (preview): a tenant-level catalogue row with no created, location or environment, no tenantId."""
    row = {"id": f"/providers/Microsoft.PowerPlatformConnector/connectors/{connector.name}",  # id form unverified
           "name": connector.name, "type": "microsoft.powerplatformconnector/connectors",
           "properties": {"displayName": connector.display_name, "connectorId": connector.name,
                          "description": f"{connector.display_name} connector", "publisher": connector.publisher,
                          "tier": connector.tier, "releaseTag": "Production", "isDeprecated": False,
                          "operations": [{"operationId": op, "displayName": op, "description": "",
                                          "method": "POST" if op.startswith(("Post", "Create", "Send")) else "GET"}
                                         for op in (*connector.triggers, *connector.actions)]}}
    return row
