"""The JSON of flows: the lightweight v2 list item and the full detail GET.

List items are cached as bytes on the flow (cleared when it changes); detail bodies are built on
each request from the flow's own seed, never stored.
"""

import random

from .generate import uid
from .render import dumps, iso

__all__ = ["flow_detail", "flow_item", "flow_operations"]

LOGIC_FLOWS = "/providers/Microsoft.PowerApps/apis/shared_logicflows"

HTTP_ENDPOINTS = ("https://api.contoso.example/v1/orders", "https://api.contoso.example/v1/sync",
                  "https://erp.contoso.example/v1/invoices", "https://hooks.slack.example/services/T0/B0",
                  "http://10.0.4.12:8080/export")
# Keys the recorded v2 list items carry beside the flow's own facts.
FLOW_EXTRAS = {"flowFailureAlertSubscribed": False, "isManaged": False, "machineDescriptionData": {},
               "flowOpenAiData": {"isConsequential": False, "isConsequentialFlagOverwritten": False}}


def _creator(tenant, flow):
    oid = flow.creator.oid
    return {"tenantId": tenant.tenant_id, "objectId": oid, "userId": oid, "userType": "ActiveDirectory"}


def _flow_base(tenant, flow, env):
    state = "Deleted" if flow.deleted is not None else flow.state
    props = {
        "apiId": LOGIC_FLOWS, "displayName": flow.display_name, "state": state,
        "flowSuspensionReason": flow.suspension, "createdTime": iso(flow.created),
        "lastModifiedTime": iso(flow.modified), "creator": _creator(tenant, flow),
        "environment": {"name": env.name, "type": "Microsoft.ProcessSimple/environments",
                        "id": f"/providers/Microsoft.ProcessSimple/environments/{env.name}"},
        "workflowEntityId": flow.workflow_id,
    }
    if flow.suspension != "None":
        props["flowSuspensionTime"] = iso(flow.modified)
    return {"name": flow.name, "id": f"/providers/Microsoft.ProcessSimple/environments/{env.name}/flows/{flow.name}",
            "type": "Microsoft.ProcessSimple/environments/flows", "properties": props}


def flow_item(tenant, flow, env):
    """The lightweight v2 list item: no definition, no connectionReferences."""
    if flow.cached is not None:
        return flow.cached
    item = _flow_base(tenant, flow, env)
    # The v2 list carries an empty definition summary (recorded: triggers [] and actions []).
    item["properties"].update({**FLOW_EXTRAS, "definitionSummary": {"triggers": [], "actions": []}})
    flow.cached = dumps(item)
    return flow.cached


def _api(connector):
    return {"name": connector.name, "id": connector.id, "type": "/providers/Microsoft.PowerApps/apis"}


def _trigger(rng, flow):
    if flow.trigger == "recurrence":
        interval = rng.choice((("Day", 1), ("Hour", 1), ("Week", 1), ("Minute", 15)))
        body = {"type": "Recurrence", "recurrence": {"frequency": interval[0], "interval": interval[1]}}
        return "Recurrence", body, {"type": "Recurrence"}
    if flow.trigger == "http":
        body = {"type": "Request", "kind": "Http", "inputs": {"schema": {}, "method": "POST"}}
        return "manual", body, {"type": "Request", "kind": "Http", "metadata": {}}
    if flow.trigger == "button":
        body = {"type": "Request", "kind": "Button", "inputs": {"schema": {"type": "object", "properties": {}}}}
        return "manual", body, {"type": "Request", "kind": "Button"}
    connector = flow.connectors[0]
    operation = rng.choice(connector.triggers)
    host = {"connectionName": connector.name, "operationId": operation, "apiId": connector.id}
    body = {"type": "OpenApiConnection", "recurrence": {"frequency": "Minute", "interval": 3},
            "inputs": {"host": host, "parameters": _trigger_parameters(flow, connector),
                       "authentication": "@parameters('$authentication')"}}
    return f"When_{operation}", body, {"type": "OpenApiConnection", "swaggerOperationId": operation,
                                       "api": _api(connector)}


DATAVERSE_SETS = ("accounts", "contacts", "cr5f1_assets", "cr5f1_requests", "tasks")


def _trigger_parameters(flow, connector):
    # A Dataverse row trigger ("when a row is added, modified or deleted") names the table it watches by its
    # logical name: the table the flow's Dataverse actions use, taken from the seed (no draw of the generator).
    if connector.name == "shared_commondataserviceforapps":
        table = DATAVERSE_SETS[flow.seed % len(DATAVERSE_SETS)].removesuffix("s")
        return {"subscriptionRequest/message": 4, "subscriptionRequest/entityname": table,
                "subscriptionRequest/scope": 4}
    return {}


def _parameters(flow, connector):
    # Dataverse actions name their table (entity set); taken from the seed so the generator's draws stay as they were.
    if connector.name == "shared_commondataserviceforapps":
        return {"entityName": DATAVERSE_SETS[flow.seed % len(DATAVERSE_SETS)]}
    return {}


def _draw_operations(rng, flow):
    trigger = _trigger(rng, flow)
    operations = []
    for connector in flow.connectors:
        operations.append((connector, rng.choice(connector.actions or ("Execute",))))
        uid(rng)  # the draw an operation metadata id took: later draws stay as they were
    return trigger, operations


def flow_operations(flow):
    """(the trigger's operation or None, [(connector, action operation)]): what the flow's definition uses."""
    (_, _, summary), operations = _draw_operations(random.Random(flow.seed), flow)
    return summary.get("swaggerOperationId"), operations


def flow_detail(tenant, flow, env):
    """The full GET shape: definition, definitionSummary and connectionReferences (mixed-case ids)."""
    rng = random.Random(flow.seed)
    item = _flow_base(tenant, flow, env)
    (trigger_name, trigger_body, trigger_summary), operations = _draw_operations(rng, flow)
    actions, summaries = {}, []
    for index, (connector, operation) in enumerate(operations):
        actions[f"{operation}_{index}"] = {
            "type": "OpenApiConnection", "runAfter": {},
            "inputs": {"host": {"connectionName": connector.name, "operationId": operation, "apiId": connector.id},
                       "parameters": _parameters(flow, connector), "authentication": "@parameters('$authentication')"}}
        summaries.append({"type": "OpenApiConnection", "swaggerOperationId": operation, "api": _api(connector),
                          "metadata": {"flowSystemMetadata": {"swaggerOperationId": operation}}})
    if flow.http_action:
        uri = rng.choice(HTTP_ENDPOINTS)
        method = rng.choice(("GET", "POST"))
        actions["HTTP"] = {"type": "Http", "runAfter": {}, "inputs": {"method": method, "uri": uri}}
        summaries.append({"type": "Http"})
        uid(rng)
    for builtin in rng.sample(("Compose", "If", "Foreach", "InitializeVariable"), rng.randint(0, 2)):
        actions[builtin] = {"type": builtin, "runAfter": {}}
        summaries.append({"type": builtin})
    references = {}
    for connector in flow.connectors:
        connection = env.connections.get((flow.creator.index, connector.name))
        references[connector.name] = {
            "connectionName": connection.name if connection else connector.name.replace("_", "-"),
            "source": "Embedded" if rng.random() < 0.7 else "Invoker", "id": connector.id,
            "displayName": connector.display_name, "iconUri": connector.icon_uri, "brandColor": connector.brand_color,
            "swagger": {"swagger": "2.0", "host": "europe-002.azure-apim.net",
                        "basePath": f"/apim/{connector.name.removeprefix('shared_')}"},
            "tier": "NotSpecified" if connector.is_custom else connector.tier,
            "apiDefinition": {"name": connector.name, "id": connector.id, "type": "/providers/Microsoft.PowerApps/apis",
                              "properties": {"displayName": connector.display_name, "tier": connector.tier}}}
    props = item["properties"]
    props.update({
        "userType": "Owner", "templateName": "" if rng.random() < 0.7 else uid(rng), "isManaged": False,
        "definition": {"$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/"
                                  "2016-06-01/workflowdefinition.json#",
                       "contentVersion": "1.0.0.0",
                       "parameters": {"$connections": {"defaultValue": {}, "type": "Object"},
                                      "$authentication": {"defaultValue": {}, "type": "SecureObject"}},
                       "triggers": {trigger_name: trigger_body}, "actions": actions, "outputs": {},
                       "description": ""},
        "definitionSummary": {"triggers": [trigger_summary], "actions": summaries,
                              "description": ""},
        "connectionReferences": references, "provisioningMethod": "FromDefinition",
        "flowFailureAlertSubscribed": False, "licenseData": {"performanceProfile": "Low", "plan": "NotSpecified"},
        "installationStatus": "Installed", "referencedResources": [],
    })
    if flow.trigger == "http":
        props["flowTriggerUri"] = (f"https://prod-{flow.seed % 90:02d}.{env.azure_region}.logic.azure.com:443/"
                                   f"workflows/{flow.seed:032x}/triggers/manual/paths/invoke?api-version=2016-06-01"
                                   f"&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={uid(rng).replace('-', '')}")
    else:  # every trigger kind gets one (recorded: a Recurrence flow's .../triggers/Every_day/run)
        props["flowTriggerUri"] = (f"https://management.azure.com:443/providers/Microsoft.ProcessSimple/environments/"
                                   f"{env.name}/flows/{flow.name}/triggers/{trigger_name}/run?api-version=2016-11-01")
    return item
