"""Solution state of the fake's Dataverse orgs (power-platform-api.md, sections 15-18).

One `OrgState` per environment with Dataverse holds its publishers, solutions, solution
components, connection references and asynchronous operations. Canvas apps and flows stay in
the tenant model: an app is in `canvasapps` once it is solution-aware (`app.solution`), a flow
is in `workflows` once it has a `workflow_id`. Export and import packages: solution_package.py.
"""

import random
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

from .catalog import CONNECTORS

__all__ = ["APP", "CONNECTION_REFERENCE", "CONNECTOR", "FLOW", "MODEL_DRIVEN_APP", "TABLE", "AsyncOperation",
           "OrgState", "SolutionError", "SolutionOptions", "SolutionStore", "component_guid"]

# Component types (solutioncomponent.componenttype); a connection reference's number is tenant-specific.
TABLE, FLOW, MODEL_DRIVEN_APP, APP, CONNECTOR, CONNECTION_REFERENCE = 1, 29, 80, 300, 372, 10132
ADDABLE = {APP, FLOW, MODEL_DRIVEN_APP}
CUSTOM_TABLES = ("cr5f1_asset", "cr5f1_request")
BY_NAME = {connector.name: connector for connector in CONNECTORS}


class SolutionError(Exception):
    """A Dataverse error answer: HTTP status, hex code, message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class SolutionOptions:
    """How long asynchronous operations stay Running: `polls` polls or `seconds`, whichever comes first."""

    polls: int = 2
    seconds: float = 3.0


def component_guid(kind, name):
    """A stable GUID for a component the tenant model names by string (a connector, a table)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fake-dataverse:{kind}:{name}"))


class AsyncOperation:
    """An asyncoperations row; `finish` runs once, when the operation completes, and returns an error or None."""

    def __init__(self, name, finish, options, env_name):
        self.id, self.name, self.finish, self.options = str(uuid.uuid4()), name, finish, options
        self.env_name, self.polls, self.started = env_name, 0, time.monotonic()
        self.error, self.done = None, False

    def advance(self, lock, count_poll=True):
        """Count a poll; complete the operation when its time has come."""
        with lock:
            if count_poll:
                self.polls += 1
            due = self.polls > self.options.polls or time.monotonic() - self.started >= self.options.seconds
            if not self.done and due:
                try:
                    self.error = self.finish()
                except SolutionError as exc:
                    self.error = exc.message
                self.done = True

    def row(self):
        """The row as `asyncoperations({id})` answers it."""
        state, status = (3, 31 if self.error else 30) if self.done else (1, 20)
        return {"asyncoperationid": self.id, "name": self.name, "operationtype": 202 if "Import" in self.name else 3,
                "statecode": state, "statuscode": status, "message": self.error or "",
                "friendlymessage": self.error or ""}


class OrgState:
    """The solution tables of one org."""

    def __init__(self, env):
        self.env = env
        self.publishers, self.solutions, self.components = {}, {}, []
        self.connection_references = {}  # id -> row
        # Keyed lookups, as an org answers a filter on a key column without reading the table.
        self._solutions_by_name, self._components_by_solution, self._references_by_name = {}, defaultdict(list), {}
        self.exports = {}  # ExportJobId -> zip bytes
        self.origins = {}  # (kind, component id in the source org) -> item name here (import updates it)
        default = self.add_publisher("DefaultPublisher", "Default Publisher", "new", 10000)
        self.add_solution("Default", "Default Solution", default["publisherid"])

    # Rows

    def add_publisher(self, unique_name, friendly_name, prefix, option_prefix=None):
        row = {"publisherid": str(uuid.uuid4()), "uniquename": unique_name, "friendlyname": friendly_name,
               "customizationprefix": prefix, "customizationoptionvalueprefix": option_prefix or 10000}
        self.publishers[row["publisherid"]] = row
        return row

    def add_solution(self, unique_name, friendly_name, publisher_id, version="1.0.0.0"):
        row = {"solutionid": str(uuid.uuid4()), "uniquename": unique_name, "friendlyname": friendly_name,
               "version": version, "ismanaged": False, "_publisherid_value": publisher_id, "isvisible": True}
        self.solutions[row["solutionid"]] = row
        self._solutions_by_name[unique_name.lower()] = row
        return row

    def solution(self, unique_name):
        """The solution row called `unique_name` (case-insensitive), or None."""
        return self._solutions_by_name.get(unique_name.lower())

    def publisher(self, publisher_id):
        return self.publishers.get(publisher_id)

    def components_of(self, solution_id, kind=None):
        """The solutioncomponents rows of a solution, of one type or all."""
        rows = self._components_by_solution.get(solution_id, ())
        return [row for row in rows if kind is None or row["componenttype"] == kind]

    def add_component(self, solution_id, kind, object_id):
        """Add a component once; return its solutioncomponents row."""
        object_id = str(object_id).lower()
        for row in self.components_of(solution_id, kind):
            if row["objectid"] == object_id:
                return row
        row = {"solutioncomponentid": str(uuid.uuid4()), "_solutionid_value": solution_id, "componenttype": kind,
               "objectid": object_id, "rootcomponentbehavior": 0, "ismetadata": kind in (TABLE, CONNECTOR)}
        self.components.append(row)
        self._components_by_solution[solution_id].append(row)
        return row

    def connection_reference(self, logical_name):
        return self._references_by_name.get(logical_name.lower())

    def reference_connector(self, solution_id, connector, connection_name, prefix):
        """The solution's connection reference to `connector`, made (and bound) on first use."""
        for component in self.components_of(solution_id, CONNECTION_REFERENCE):
            row = self.connection_references.get(component["objectid"])
            if row and row["connectorid"].lower() == connector.id.lower():
                return row
        short = connector.name.removeprefix("shared_").replace("-", "")[:30]
        logical = f"{prefix}_{short}_{uuid.uuid4().hex[:5]}"
        row = self.bind_reference(logical, connector.id, connector.display_name, connection_name)
        self.add_component(solution_id, CONNECTION_REFERENCE, row["connectionreferenceid"])
        return row

    def bind_reference(self, logical_name, connector_id, display_name, connection_name):
        """Create or rebind the connection reference `logical_name`; return its row."""
        row = self.connection_reference(logical_name)
        if row is None:
            row = {"connectionreferenceid": str(uuid.uuid4()), "connectionreferencelogicalname": logical_name,
                   "connectionreferencedisplayname": display_name, "connectorid": connector_id,
                   "statecode": 0, "statuscode": 1}
            self.connection_references[row["connectionreferenceid"]] = row
            self._references_by_name[logical_name.lower()] = row
        row["connectionid"] = connection_name
        return row


class SolutionStore:
    """Every org's solution state, created on first use, and the fault hooks tests script."""

    def __init__(self, tenant, options=None):
        self.tenant, self.options = tenant, options or SolutionOptions()
        self.lock = threading.RLock()
        self.orgs, self.operations = {}, {}
        self.running_imports = {}  # environment name -> the import operation not yet complete
        self.failures = {"export": [], "import": []}

    def org(self, env):
        with self.lock:
            if env.name not in self.orgs:
                self.orgs[env.name] = OrgState(env)
            return self.orgs[env.name]

    def fail_next(self, kind, message):
        """Make the next export or import operation fail with `message`."""
        with self.lock:
            self.failures[kind].append(message)

    def take_failure(self, kind):
        with self.lock:
            return self.failures[kind].pop(0) if self.failures[kind] else None

    def start(self, name, finish, env):
        """Record an asynchronous operation; return it."""
        operation = AsyncOperation(name, finish, self.options, env.name)
        with self.lock:
            self.operations[operation.id] = operation
        return operation

    def poll(self, operation_id):
        """The operation's row after counting this poll, or None for an unknown id."""
        operation = self.operations.get(str(operation_id).lower())
        if operation is None:
            return None
        operation.advance(self.lock)
        return operation.row()

    def import_running(self, env):
        """The import still running in `env` (completing it if its time has come), or None."""
        with self.lock:
            operation = self.running_imports.get(env.name)
            if operation is not None:
                operation.advance(self.lock, count_poll=False)
                if operation.done:
                    del self.running_imports[env.name]
                    return None
            return operation

    # Tenant-model rows: canvasapps and workflows

    def canvas_apps(self, env, names=None):
        """canvasapps rows: the environment's solution-aware apps (canvasappid = the app's name), or those named."""
        apps = env.apps if names is None else filter(None, map(env.app_index.get, names))
        return [_canvas_row(app, self.tenant.tenant_id) for app in apps if app.live and app.solution]

    def held_apps(self, env, solution_id):
        """The live solution-aware apps among the solution's components, in the order they were added."""
        apps = (env.app_index.get(row["objectid"]) for row in self.org(env).components_of(solution_id, APP))
        return [app for app in apps if app is not None and app.live and app.solution]

    def workflows(self, env):
        """workflows rows: flows stored in Dataverse (with a workflow id)."""
        return [_workflow_row(flow) for flow in env.flows if flow.live and flow.workflow_id]

    def app_modules(self, env):
        """appmodules rows: a few model-driven apps per org, the same every time."""
        rng = random.Random(env.seed ^ 0xA99)
        return [{"appmoduleid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "name": f"Model app {n + 1}",
                 "uniquename": f"cr5f1_modelapp{n + 1}"} for n in range(1 + rng.randint(0, 1))]

    def missing_dependencies(self, env, solution):
        """What the solution's apps and flows need that it does not hold: custom connectors and custom tables."""
        org = self.org(env)
        held = {row["objectid"] for row in org.components_of(solution["solutionid"])}
        items = [(APP, app.name, app.connectors, _tables(app)) for app in self.held_apps(env, solution["solutionid"])]
        items += [(FLOW, flow.workflow_id, flow.connectors, _tables(flow)) for flow in env.flows
                  if flow.live and flow.workflow_id and flow.workflow_id.lower() in held]
        # A model-driven app is built on custom tables, which a solution of just the app lacks.
        items += [(MODEL_DRIVEN_APP, row["appmoduleid"], (), CUSTOM_TABLES) for row in self.app_modules(env)
                  if row["appmoduleid"] in held]
        rows = []
        for kind, object_id, connectors, tables in items:
            needed = [(CONNECTOR, component_guid("connector", c.name)) for c in connectors if c.is_custom]
            needed += [(TABLE, component_guid("table", table)) for table in tables]
            for required_kind, required_id in needed:
                if required_id not in held:
                    rows.append(_dependency(kind, object_id, required_kind, required_id))
        return rows


def _tables(item):
    """The custom Dataverse tables an item reads (a third of the items that use Dataverse)."""
    if not any(c.name == "shared_commondataserviceforapps" for c in item.connectors) or item.seed % 3:
        return []
    return [CUSTOM_TABLES[item.seed % len(CUSTOM_TABLES)]]


def _dependency(kind, object_id, required_kind, required_id):
    return {"dependencyid": str(uuid.uuid4()), "dependencytype": 2, "dependentcomponenttype": kind,
            "dependentcomponentobjectid": str(object_id).lower(), "dependentcomponentparentid": None,
            "requiredcomponenttype": required_kind, "requiredcomponentobjectid": required_id,
            "requiredcomponentparentid": None, "requiredcomponentbasesolutionid": None}


def _canvas_row(app, tenant_id):
    return {"canvasappid": app.name.lower(), "name": app.logical(), "displayname": app.display_name,
            "appopenuri": f"https://apps.powerapps.com/play/e/{app.env}/a/{app.name}?tenantId={tenant_id}",
            "status": "Ready", "canvasapptype": 0, "_ownerid_value": str(uuid.uuid5(uuid.NAMESPACE_OID, app.owner.oid))}


def _workflow_row(flow):
    return {"workflowid": flow.workflow_id.lower(), "name": flow.display_name, "resourceid": flow.name.lower(),
            "category": 5, "type": 1, "primaryentity": "none", "statecode": 1 if flow.state == "Started" else 0,
            "statuscode": 2 if flow.state == "Started" else 1}
