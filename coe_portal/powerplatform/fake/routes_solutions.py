"""Solution calls (power-platform-api.md, 15-18): Dataverse tables and actions, makeSolutionAware, migrateFlows.

Dataverse: `solutions`, `publishers`, `solutioncomponents`, `canvasapps`, `workflows`,
`connectionreferences`, `appmodules`, `connectors` (GET with `$filter` of `eq` clauses joined by
`and` or `or`, and `$select`); POST `publishers` and `solutions`; the actions AddSolutionComponent,
ExportSolutionAsync, DownloadSolutionExportData, ImportSolutionAsync, RetrieveMissingDependencies;
`asyncoperations({id})`; `EntityDefinitions`. Asynchronous operations stay Running for a few polls
(SolutionOptions). One import at a time per environment: a second answers 400 (code (verify)).
"""

import base64
import re
import uuid
from functools import partial

from .common import error
from .entities import TABLES, entity_definition
from .routes_dataverse import ORG
from .server import Response
from .solution_package import build_zip, install
from .solution_store import ADDABLE, APP, FLOW, SolutionError, SolutionStore, component_guid

__all__ = ["flow_routes", "powerapps_routes", "routes"]

READABLE = ("solutions", "publishers", "solutioncomponents", "canvasapps", "workflows", "connectionreferences",
            "appmodules", "connectors")
CLAUSE = re.compile(r"^\s*([A-Za-z_]+)\s+eq\s+(?:'((?:[^']|'')*)'|([^\s)]+))\s*$", re.IGNORECASE)
IMPORT_BUSY = ("Cannot start the requested operation [Import] because there is another [Import] running at this "
               "moment. Wait for it to finish and try again.")


def store(ctx):
    """The context's SolutionStore, made on first use."""
    if getattr(ctx, "solutions", None) is None:
        ctx.solutions = SolutionStore(ctx.tenant)
    return ctx.solutions


def routes(ctx):
    """(method, pattern, view, needs api-version) for the Dataverse server."""
    store(ctx)
    view = lambda function: partial(in_org, ctx, function)  # noqa: E731
    return [
        ("GET", ORG + rf"/(?P<table>{'|'.join(READABLE)})", view(list_rows), False),
        ("POST", ORG + r"/(?P<table>publishers|solutions)", view(create_row), False),
        ("POST", ORG + r"/AddSolutionComponent", view(add_component), False),
        ("POST", ORG + r"/ExportSolutionAsync", view(export_solution), False),
        ("POST", ORG + r"/DownloadSolutionExportData", view(download_export), False),
        ("POST", ORG + r"/ImportSolutionAsync", view(import_solution), False),
        ("GET", ORG + r"/asyncoperations\((?P<operation>[0-9a-fA-F-]+)\)", view(poll_operation), False),
        ("GET", ORG + r"/RetrieveMissingDependencies\(SolutionUniqueName=@p\)", view(missing_dependencies), False),
        ("GET", ORG + r"/EntityDefinitions", view(entity_definitions), False),
        ("GET", ORG + r"/EntityDefinitions\(LogicalName='(?P<name>[a-z0-9_]+)'\)", view(one_entity), False),
    ]


def powerapps_routes(ctx):
    """makeSolutionAware on the Power Apps server."""
    pattern = r"(?i)/providers/Microsoft\.PowerApps/environments/(?P<env>[^/]+)/apps/(?P<app>[^/]+)/makeSolutionAware"
    return [("POST", pattern, partial(make_solution_aware, ctx), True)]


def flow_routes(ctx):
    """migrateFlows on the Flow server."""
    pattern = r"(?i)/providers/Microsoft\.ProcessSimple/scopes/admin/environments/(?P<env>[^/]+)/migrateFlows"
    return [("POST", pattern, partial(migrate_flows, ctx), True)]


def in_org(ctx, view, request, org, **groups):
    """Resolve the org, run the view, and turn a SolutionError into the Dataverse error answer."""
    env = next((e for e in ctx.tenant.environments if e.dataverse and e.dataverse["domainName"] == org.lower()), None)
    if env is None:
        return error(404, "0x80040217", f"The organization '{org}' does not exist.")
    try:
        with ctx.tenant.lock:
            return view(ctx, request, env, **groups)
    except SolutionError as exc:
        return error(exc.status, exc.code, exc.message)


def _body(request):
    try:
        body = request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise SolutionError(400, "0x80040203", "The request body is not a JSON object.")
    return body


def _odata(rows, request, context):
    selected = [name.strip() for name in request.query.get("$select", "").split(",") if name.strip()]
    if selected:
        rows = [{name: row.get(name) for name in selected} for row in rows]
    body = {"@odata.context": f"{request.base_url}{request.path.split('/api/')[0]}/api/data/v9.2/$metadata#{context}",
            "value": rows}
    return Response(200, body, content_type="application/json; odata.metadata=minimal")


def parse_filter(text):
    """[(column, value)] and "and"/"or" from an OData $filter of eq clauses; SolutionError otherwise."""
    if not text:
        return [], "and"
    joiner = "or" if re.search(r"\s+or\s+", text, re.IGNORECASE) else "and"
    clauses = []
    for part in re.split(rf"\s+{joiner}\s+", text.strip().strip("()"), flags=re.IGNORECASE):
        found = CLAUSE.match(part.strip("() "))
        if not found:
            raise SolutionError(400, "0x80060888", f"The query parameter $filter '{text}' is not supported.")
        value = found.group(2).replace("''", "'") if found.group(2) is not None else found.group(3)
        clauses.append((found.group(1).lower(), value.lower()))
    return clauses, joiner


def matches(row, clauses, joiner):
    """Whether a row passes the parsed filter (values compared as lower-case text)."""
    if not clauses:
        return True
    results = (str(row.get(column, "")).lower() == value for column, value in clauses)
    return any(results) if joiner == "or" else all(results)


def _keyed_rows(ctx, env, table, clauses, joiner):
    """The rows a filter on one key column can match, found by key; None when the filter needs a scan."""
    columns = {column for column, _ in clauses}
    if len(columns) != 1 or (joiner == "and" and len(clauses) > 1):
        return None
    values, org = dict.fromkeys(value for _, value in clauses), ctx.solutions.org(env)
    lookup = {("canvasapps", "canvasappid"): lambda: ctx.solutions.canvas_apps(env, values),
              ("solutions", "solutionid"): lambda: [org.solutions.get(value) for value in values],
              ("solutions", "uniquename"): lambda: [org.solution(value) for value in values],
              ("solutioncomponents", "_solutionid_value"):
                  lambda: [row for value in values for row in org.components_of(value)],
              ("connectionreferences", "connectionreferencelogicalname"):
                  lambda: [org.connection_reference(value) for value in values],
              ("connectionreferences", "connectionreferenceid"):
                  lambda: [org.connection_references.get(value) for value in values]}.get((table, *columns))
    return None if lookup is None else [row for row in lookup() if row is not None]


def _rows(ctx, env, table):
    solutions, org = ctx.solutions, ctx.solutions.org(env)
    return {"solutions": lambda: list(org.solutions.values()), "publishers": lambda: list(org.publishers.values()),
            "solutioncomponents": lambda: list(org.components), "canvasapps": lambda: solutions.canvas_apps(env),
            "workflows": lambda: solutions.workflows(env),
            "connectionreferences": lambda: list(org.connection_references.values()),
            "appmodules": lambda: solutions.app_modules(env), "connectors": lambda: _custom_connectors(env)}[table]()


def list_rows(ctx, request, env, table):
    """GET a solution table, filtered."""
    clauses, joiner = parse_filter(request.query.get("$filter", ""))
    rows = _keyed_rows(ctx, env, table, clauses, joiner)
    rows = [dict(row) for row in (_rows(ctx, env, table) if rows is None else rows) if matches(row, clauses, joiner)]
    return _odata(rows, request, table)


def create_row(ctx, request, env, table):
    """POST a publisher or a solution; a duplicate unique name is refused."""
    body, org = _body(request), ctx.solutions.org(env)
    unique = str(body.get("uniquename") or "")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", unique):
        raise SolutionError(400, "0x80040203", f"Invalid unique name '{unique}'.")
    if table == "publishers":
        if any(p["uniquename"].lower() == unique.lower() for p in org.publishers.values()):
            raise SolutionError(412, "0x80040237", "A record with matching key values already exists.")
        row = org.add_publisher(unique, body.get("friendlyname") or unique, body.get("customizationprefix") or "new",
                                body.get("customizationoptionvalueprefix"))
        key = "publisherid"
    else:
        if org.solution(unique) is not None:
            raise SolutionError(412, "0x80040237", "A record with matching key values already exists.")
        bound = re.search(r"publishers\(([0-9a-fA-F-]+)\)", body.get("publisherid@odata.bind") or "")
        if not bound or org.publisher(bound.group(1).lower()) is None:
            raise SolutionError(400, "0x80040217", "publisher With Id Does Not Exist")
        row = org.add_solution(unique, body.get("friendlyname") or unique, bound.group(1).lower(),
                               body.get("version") or "1.0.0.0")
        key = "solutionid"
    location = f"{request.base_url}{request.path}({row[key]})"
    if "return=representation" in (request.headers.get("Prefer") or ""):
        return Response(201, row, {"OData-EntityId": location})
    return Response(204, b"", {"OData-EntityId": location})


def _solution_named(org, name):
    solution = org.solution(str(name or ""))
    if solution is None:
        raise SolutionError(404, "0x8004701c", f"The solution '{name}' does not exist.")
    return solution


def add_component(ctx, request, env, **_):
    """POST AddSolutionComponent: canvas app 300, flow 29, model-driven app 80; idempotent."""
    body, org = _body(request), ctx.solutions.org(env)
    kind, object_id = body.get("ComponentType"), str(body.get("ComponentId") or "").lower()
    if kind not in ADDABLE:
        raise SolutionError(400, "0x80040203", f"Invalid component type {kind}: this portal adds 300, 29 or 80.")
    solution = _solution_named(org, body.get("SolutionUniqueName"))
    if kind == APP:
        app = env.app_index.get(object_id)
        if app is None or not app.live or not app.solution:
            raise SolutionError(404, "0x80040217", f"canvasapp With Id = {object_id} Does Not Exist")
        _reference_connectors(org, env, solution, app.connectors, app.owner)
    elif kind == FLOW:
        flow = next((f for f in env.flows if f.live and (f.workflow_id or "").lower() == object_id), None)
        if flow is None:
            raise SolutionError(404, "0x80040217", f"workflow With Id = {object_id} Does Not Exist")
        _reference_connectors(org, env, solution, flow.connectors, flow.creator)
    elif object_id not in {row["appmoduleid"] for row in ctx.solutions.app_modules(env)}:
        raise SolutionError(404, "0x80040217", f"appmodule With Id = {object_id} Does Not Exist")
    row = org.add_component(solution["solutionid"], kind, object_id)
    return Response(200, {"@odata.context": "$metadata#Microsoft.Dynamics.CRM.AddSolutionComponentResponse",
                          "id": row["solutioncomponentid"]})


def _reference_connectors(org, env, solution, connectors, owner):
    prefix = (org.publisher(solution["_publisherid_value"]) or {}).get("customizationprefix", "new")
    for connector in connectors:
        connection = env.connections.get((owner.index, connector.name))
        org.reference_connector(solution["solutionid"], connector, connection.name if connection else "", prefix)


def export_solution(ctx, request, env, **_):
    """POST ExportSolutionAsync: an asyncoperation; the file is kept for DownloadSolutionExportData."""
    body, solutions = _body(request), ctx.solutions
    org = solutions.org(env)
    solution = _solution_named(org, body.get("SolutionName"))
    job = str(uuid.uuid4())
    failure = solutions.take_failure("export")

    def finish():
        if failure:
            return failure
        org.exports[job] = build_zip(solutions, org, solution)
        return None

    operation = solutions.start("Export Solution", finish, env)
    return Response(200, {"AsyncOperationId": operation.id, "ExportJobId": job})


def download_export(ctx, request, env, **_):
    """POST DownloadSolutionExportData: the finished export's file, base64."""
    job = str(_body(request).get("ExportJobId") or "").lower()
    content = ctx.solutions.org(env).exports.get(job)
    if content is None:
        raise SolutionError(404, "0x80040217", f"No export with ExportJobId {job} is ready.")
    return Response(200, {"ExportSolutionFile": base64.b64encode(content).decode()})


def import_solution(ctx, request, env, **_):
    """POST ImportSolutionAsync: check and install when the operation completes; one at a time per environment."""
    body, solutions = _body(request), ctx.solutions
    try:
        content = base64.b64decode(body.get("CustomizationFile") or "", validate=True)
    except ValueError:
        raise SolutionError(400, "0x80048060", "CustomizationFile is not base64.") from None
    if solutions.import_running(env) is not None:
        raise SolutionError(400, "0x80071151", IMPORT_BUSY)
    bindings = {p.get("connectionreferencelogicalname"): p.get("connectionid")
                for p in body.get("ComponentParameters") or []
                if isinstance(p, dict) and "connectionreference" in str(p.get("@odata.type", "")).lower()}
    failure = solutions.take_failure("import")
    publish = bool(body.get("PublishWorkflows"))

    def finish():
        return failure or install(solutions, env, content, bindings, publish)

    operation = solutions.start("Import Solution", finish, env)
    solutions.running_imports[env.name] = operation
    return Response(200, {"ImportJobKey": str(uuid.uuid4()), "AsyncOperationId": operation.id})


def poll_operation(ctx, request, env, operation):
    """GET asyncoperations({id})."""
    row = ctx.solutions.poll(operation)
    if row is None:
        raise SolutionError(404, "0x80040217", f"asyncoperation With Id = {operation} Does Not Exist")
    return Response(200, {"@odata.context": f"{request.base_url}/$metadata#asyncoperations/$entity", **row})


def missing_dependencies(ctx, request, env):
    """GET RetrieveMissingDependencies(SolutionUniqueName=@p)?@p='name'."""
    name = request.query.get("@p", "").strip("'")
    solution = _solution_named(ctx.solutions.org(env), name)
    rows = ctx.solutions.missing_dependencies(env, solution)
    return Response(200, {"@odata.context": f"{request.base_url}/$metadata#dependencies", "value": rows})


def entity_definitions(ctx, request, env):
    """GET EntityDefinitions, filtered by LogicalName."""
    clauses, joiner = parse_filter(request.query.get("$filter", ""))
    expand = request.query.get("$expand", "")
    items = [entity_definition(name, expand) for name in TABLES]
    items = [item for item in items if matches({k.lower(): v for k, v in item.items()}, clauses, joiner)]
    return _odata(items, request, "EntityDefinitions")


def one_entity(ctx, request, env, name):
    """GET EntityDefinitions(LogicalName='name')."""
    if name not in TABLES:
        raise SolutionError(404, "0x80040217", f"Could not find an entity with name {name}.")
    return Response(200, entity_definition(name, request.query.get("$expand", "")))


def _custom_connectors(env):
    return [{"connectorid": component_guid("connector", c.name), "name": c.name, "displayname": c.display_name,
             "connectortype": 1} for c in env.custom_connectors]


# Power Apps and Flow

def _environment(ctx, env):
    environment = ctx.tenant.environment(env)
    if environment is None:
        return None, ctx.denied(env)
    if not environment.dataverse:
        return None, error(400, "EnvironmentNotLinkedToDataverse", f"The environment '{env}' has no Dataverse.")
    return environment, None


def make_solution_aware(ctx, request, env, app):
    """POST makeSolutionAware {"solutionId"}: the app gets a canvasapps row and joins the solution."""
    environment, refusal = _environment(ctx, env)
    if refusal is not None:
        return refusal
    solutions = store(ctx)
    with ctx.tenant.lock:
        found = ctx.tenant.app(environment, app)
        if found is None:
            return error(404, "AppNotFound", f"Could not find App '{app}'.")
        org = solutions.org(environment)
        solution = org.solutions.get(str((request.json() or {}).get("solutionId") or "").lower())
        if solution is None:
            return error(400, "InvalidSolutionId", "The solution does not exist in the environment.")
        if not found.solution:
            ctx.tenant.keep_version(found)
            found.logical_name, found.solution = found.logical(), True
            found.changed()
        org.add_component(solution["solutionid"], APP, found.name)
        _reference_connectors(org, environment, solution, found.connectors, found.owner)
    return Response(200, {"name": found.name, "properties": {"almMode": "Solution"}})


def migrate_flows(ctx, request, env):
    """POST migrateFlows {"flowsToMigrate": [...]} (at most 20) into ?solutionId= or the Default Solution."""
    environment, refusal = _environment(ctx, env)
    if refusal is not None:
        return refusal
    names = (request.json() or {}).get("flowsToMigrate") or []
    if not isinstance(names, list) or not 0 < len(names) <= 20:
        return error(400, "InvalidRequestContent", "flowsToMigrate must list 1 to 20 flows.")
    solutions = store(ctx)
    with ctx.tenant.lock:
        org = solutions.org(environment)
        wanted = str(request.query.get("solutionId") or "").lower()
        solution = org.solutions.get(wanted) if wanted else org.solution("Default")
        if solution is None:
            return error(400, "InvalidSolutionId", "The solution does not exist in the environment.")
        results = [_migrate_one(ctx, org, environment, solution, str(name)) for name in names]
    return Response(200, {"value": results})


def _migrate_one(ctx, org, env, solution, name):
    flow = ctx.tenant.flow(env, name)
    if flow is None:
        return {"name": name, "status": "Failed", "error": {"code": "FlowNotFound",
                                                             "message": f"Could not find flow '{name}'."}}
    if not flow.workflow_id:
        ctx.tenant.keep_version(flow)
        flow.workflow_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"workflow:{env.name}:{flow.name}"))
        flow.changed()
    org.add_component(solution["solutionid"], FLOW, flow.workflow_id)
    _reference_connectors(org, env, solution, flow.connectors, flow.creator)
    return {"name": flow.name, "status": "Succeeded", "workflowEntityId": flow.workflow_id}

