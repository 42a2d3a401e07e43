"""Solution .zip files of the fake: what ExportSolution writes and what ImportSolution installs.

The layout follows a real unmanaged solution: `solution.xml` (manifest, publisher, root
components), `customizations.xml` (canvas apps, workflows, connection references) and one
`Workflows/<name>-<id>.json` per flow. One deviation: apps and flows carry an `OwnerObjectId`
so the imported copy keeps its maker (a real import makes the importing identity the owner).
"""

import io
import json
import random
import uuid
import xml.etree.ElementTree as ET
import zipfile

from .catalog import CONNECTORS
from .model import App, Flow
from .solution_store import APP, CONNECTION_REFERENCE, FLOW, SolutionError

__all__ = ["build_zip", "install", "read_zip"]

BY_NAME = {connector.name: connector for connector in CONNECTORS}


def _text(parent, tag, value):
    element = ET.SubElement(parent, tag)
    element.text = str(value)
    return element


# Export

def build_zip(store, org, solution):
    """The solution's .zip: its apps, flows and connection references as they are now."""
    env, solution_id = org.env, solution["solutionid"]
    held = {row["objectid"] for row in org.components_of(solution_id)}
    apps = store.held_apps(env, solution_id)
    flows = [flow for flow in env.flows if flow.live and flow.workflow_id and flow.workflow_id.lower() in held]
    references = [org.connection_references[row["objectid"]]
                  for row in org.components_of(solution_id, CONNECTION_REFERENCE)
                  if row["objectid"] in org.connection_references]
    publisher = org.publisher(solution["_publisherid_value"]) or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas'
                                                '.openxmlformats.org/package/2006/content-types"><Default Extension='
                                                '"xml" ContentType="application/octet-stream" /></Types>')
        archive.writestr("solution.xml", _manifest(solution, publisher, apps, flows))
        archive.writestr("customizations.xml", _customizations(apps, flows, references))
        for flow in flows:
            archive.writestr(f"Workflows/{_file_name(flow)}", json.dumps(_flow_json(flow, references)))
        for app in apps:
            archive.writestr(f"CanvasApps/{app.logical()}_DocumentUri.msapp", f"msapp:{app.name}:{app.version}")
    return buffer.getvalue()


def _manifest(solution, publisher, apps, flows):
    root = ET.Element("ImportExportXml", version="9.2.24101.194", SolutionPackageVersion="9.2")
    manifest = ET.SubElement(root, "SolutionManifest")
    _text(manifest, "UniqueName", solution["uniquename"])
    names = ET.SubElement(manifest, "LocalizedNames")
    ET.SubElement(names, "LocalizedName", description=solution["friendlyname"], languagecode="1033")
    _text(manifest, "Version", solution["version"])
    _text(manifest, "Managed", "0")
    element = ET.SubElement(manifest, "Publisher")
    _text(element, "UniqueName", publisher.get("uniquename", "DefaultPublisher"))
    _text(element, "CustomizationPrefix", publisher.get("customizationprefix", "new"))
    _text(element, "CustomizationOptionValuePrefix", publisher.get("customizationoptionvalueprefix", 10000))
    components = ET.SubElement(manifest, "RootComponents")
    for app in apps:
        ET.SubElement(components, "RootComponent", type=str(APP), schemaName=app.logical(), behavior="0")
    for flow in flows:
        ET.SubElement(components, "RootComponent", type=str(FLOW), id=f"{{{flow.workflow_id}}}", behavior="0")
    ET.SubElement(manifest, "MissingDependencies")
    return ET.tostring(root, encoding="unicode")


def _customizations(apps, flows, references):
    root = ET.Element("ImportExportXml")
    for tag in ("Entities", "Roles"):
        ET.SubElement(root, tag)
    workflows = ET.SubElement(root, "Workflows")
    for flow in flows:
        element = ET.SubElement(workflows, "Workflow", WorkflowId=f"{{{flow.workflow_id}}}", Name=flow.display_name)
        for tag, value in (("JsonFileName", f"/Workflows/{_file_name(flow)}"), ("Type", 1), ("Category", 5),
                           ("StateCode", 1 if flow.state == "Started" else 0), ("OwnerObjectId", flow.creator.oid)):
            _text(element, tag, value)
    canvas = ET.SubElement(root, "CanvasApps")
    for app in apps:
        element = ET.SubElement(canvas, "CanvasApp")
        refs = {str(uuid.uuid5(uuid.NAMESPACE_URL, c.name)): {"id": c.id.lower(), "displayName": c.display_name}
                for c in app.connectors}
        for tag, value in (("Name", app.logical()), ("DisplayName", app.display_name), ("Status", "Ready"),
                           ("ConnectionReferences", json.dumps(refs)), ("OwnerObjectId", app.owner.oid),
                           ("DocumentUri", f"/CanvasApps/{app.logical()}_DocumentUri.msapp")):
            _text(element, tag, value)
    element = ET.SubElement(root, "connectionreferences")
    for row in references:
        reference = ET.SubElement(element, "connectionreference",
                                  connectionreferencelogicalname=row["connectionreferencelogicalname"])
        for tag in ("connectionreferencedisplayname", "connectorid", "statecode", "statuscode"):
            _text(reference, tag, row[tag])
        _text(reference, "iscustomizable", 1)
    return ET.tostring(root, encoding="unicode")


def _file_name(flow):
    safe = "".join(ch for ch in flow.display_name if ch.isalnum())[:40] or "Flow"
    return f"{safe}-{flow.workflow_id.upper()}.json"


def _flow_json(flow, references):
    by_connector = {row["connectorid"].lower(): row["connectionreferencelogicalname"] for row in references}
    connection_refs = {c.name: {"runtimeSource": "embedded", "api": {"name": c.name},
                                "connection": {"connectionReferenceLogicalName": by_connector.get(c.id.lower(), "")}}
                       for c in flow.connectors}
    trigger = {"recurrence": "Recurrence", "http": "Request", "button": "Request"}.get(flow.trigger,
                                                                                       "OpenApiConnection")
    return {"properties": {"connectionReferences": connection_refs, "definition": {
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/"
                   "workflowdefinition.json#", "contentVersion": "1.0.0.0",
        "triggers": {"trigger": {"type": trigger, "kind": "Http" if flow.trigger == "http" else None,
                                 "metadata": {"coeTrigger": flow.trigger}}},
        "actions": {"HTTP": {"type": "Http"}} if flow.http_action else {}}}, "schemaVersion": "1.0.0.0"}


# Import

def read_zip(content):
    """(manifest, apps, flows, references) from a solution .zip; SolutionError if it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            manifest = ET.fromstring(archive.read("solution.xml")).find("SolutionManifest")
            custom = ET.fromstring(archive.read("customizations.xml"))
            flow_files = {name: json.loads(archive.read(name)) for name in archive.namelist()
                          if name.startswith("Workflows/")}
    except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError) as exc:
        raise SolutionError(400, "0x80048060", f"The import file is invalid. {exc}") from None
    publisher = manifest.find("Publisher")
    info = {"uniquename": manifest.findtext("UniqueName"), "version": manifest.findtext("Version") or "1.0.0.0",
            "friendlyname": manifest.find("LocalizedNames/LocalizedName").get("description"),
            "publisher": publisher.findtext("UniqueName"), "prefix": publisher.findtext("CustomizationPrefix")}
    apps = [{"logical": e.findtext("Name"), "display": e.findtext("DisplayName"), "owner": e.findtext("OwnerObjectId"),
             "connectors": [ref["id"] for ref in json.loads(e.findtext("ConnectionReferences") or "{}").values()]}
            for e in custom.iterfind("CanvasApps/CanvasApp")]
    flows = []
    for element in custom.iterfind("Workflows/Workflow"):
        body = flow_files.get(element.findtext("JsonFileName", "").lstrip("/"), {}).get("properties", {})
        trigger = next(iter((body.get("definition") or {}).get("triggers", {}).values()), {})
        actions = (body.get("definition") or {}).get("actions", {})
        flows.append({"workflowid": element.get("WorkflowId").strip("{}").lower(), "display": element.get("Name"),
                      "owner": element.findtext("OwnerObjectId"), "http_action": "HTTP" in actions,
                      "trigger": trigger.get("metadata", {}).get("coeTrigger", "button"),
                      "connectors": list(body.get("connectionReferences", {}))})
    references = [{"logical": e.get("connectionreferencelogicalname"), "connector": e.findtext("connectorid"),
                   "display": e.findtext("connectionreferencedisplayname")}
                  for e in custom.iterfind("connectionreferences/connectionreference")]
    return info, apps, flows, references


def install(store, env, content, bindings, publish_workflows):
    """Install a solution .zip into `env`: check bindings and connectors, then create or update everything.

    Returns None; raises SolutionError with the message the operation reports when it fails.
    """
    tenant, org = store.tenant, store.org(env)
    info, apps, flows, references = read_zip(content)
    connections = _check_bindings(org, env, references, bindings)
    for item in apps + flows:
        for name in item["connectors"]:
            _connector(env, name)
    with tenant.lock:
        publisher = next((p for p in org.publishers.values() if p["uniquename"] == info["publisher"]), None) or \
            org.add_publisher(info["publisher"], info["publisher"], info["prefix"])
        solution = org.solution(info["uniquename"]) or org.add_solution(
            info["uniquename"], info["friendlyname"], publisher["publisherid"], info["version"])
        solution["version"] = info["version"]
        for reference in references:
            row = org.bind_reference(reference["logical"], reference["connector"], reference["display"],
                                     connections[reference["logical"]])
            org.add_component(solution["solutionid"], CONNECTION_REFERENCE, row["connectionreferenceid"])
        for app in apps:
            made = _install_app(tenant, org, env, app)
            org.add_component(solution["solutionid"], APP, made.name)
        for flow in flows:
            made = _install_flow(tenant, org, env, flow, publish_workflows)
            org.add_component(solution["solutionid"], FLOW, made.workflow_id)
    return None


def _check_bindings(org, env, references, bindings):
    wanted = {key.lower(): value for key, value in (bindings or {}).items()}
    live = {c.name.lower(): c for c in env.connection_list if not c.removed}
    chosen = {}
    for reference in references:
        logical = reference["logical"]
        existing = org.connection_reference(logical)
        connection_name = wanted.get(logical.lower()) or (existing or {}).get("connectionid")
        if not connection_name:
            raise SolutionError(400, "0x80097000", f"Connection reference '{logical}' has no connection. Provide a "
                                                   "connection for it in ComponentParameters.")
        connection = live.get(connection_name.lower())
        if connection is None:
            raise SolutionError(400, "0x80097001", f"Connection '{connection_name}' for connection reference "
                                                   f"'{logical}' does not exist in the environment.")
        if connection.connector.id.lower() != reference["connector"].lower():
            raise SolutionError(400, "0x80097002", f"Connection '{connection_name}' is for "
                                                   f"{connection.connector.name}, not {reference['connector']}.")
        chosen[logical] = connection.name
    return chosen


def _connector(env, connector_id):
    name = connector_id.rstrip("/").rsplit("/", 1)[-1].lower()
    found = BY_NAME.get(name) or next((c for c in env.custom_connectors if c.name.lower() == name), None)
    if found is None:
        raise SolutionError(400, "0x80048036", f"The import failed: connector '{name}' is missing in the target "
                                               "environment (custom connectors must be created there first).")
    return found


def _owner(tenant, oid):
    return tenant.maker(oid or "") or tenant.makers[0]


def _install_app(tenant, org, env, spec):
    key = ("app", spec["logical"].lower())
    existing = env.app_index.get(org.origins.get(key, ""))
    now = tenant.timestamp()
    if existing is not None and existing.live:
        tenant.keep_version(existing)
        existing.display_name, existing.modified, existing.version = spec["display"], now, existing.version + 1
        existing.changed()
        return existing
    rng = random.Random(f"{env.name}:{spec['logical']}:{now}")
    app = App(seq=_next_seq(env), name=str(uuid.UUID(int=rng.getrandbits(128), version=4)), env=env.name,
              display_name=spec["display"], kind="canvas", owner=_owner(tenant, spec["owner"]), created=now,
              modified=now, published=now, shared_users=0, shared_groups=0,
              connectors=tuple(_connector(env, c) for c in spec["connectors"]), solution=True,
              seed=rng.getrandbits(32))
    app.logical_name = spec["logical"]
    env.add_app(app)
    org.origins[key] = app.name
    return app


def _install_flow(tenant, org, env, spec, publish):
    key = ("flow", spec["workflowid"])
    existing = env.flow_index.get(org.origins.get(key, ""))
    now = tenant.timestamp()
    if existing is not None and existing.live:
        tenant.keep_version(existing)
        existing.display_name, existing.modified = spec["display"], now
        existing.changed()
        return existing
    rng = random.Random(f"{env.name}:{spec['workflowid']}:{now}")
    new_id = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))  # noqa: E731
    flow = Flow(seq=_next_seq(env), name=new_id(), env=env.name, display_name=spec["display"],
                state="Started" if publish else "Stopped", suspension="None",
                creator=_owner(tenant, spec["owner"]), created=now, modified=now, workflow_id=new_id(),
                trigger=spec["trigger"], connectors=tuple(_connector(env, c) for c in spec["connectors"]),
                http_action=spec["http_action"], seed=rng.getrandbits(32))
    env.add_flow(flow)
    org.origins[key] = flow.name
    return flow


def _next_seq(env):
    return 1_000_000 + len(env.apps) + len(env.flows)
