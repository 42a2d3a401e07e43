"""Solution calls: put apps and flows into a solution, export it, import it elsewhere (power-platform-api.md, 9, 15-18).

`org` is an environment's Dataverse URL (inventory Environment.dataverse_url). Every call goes
through the client's transport: tokens per org, pacing to the quota, retries on 429 and 5xx.
Calls that create things are idempotent, so a retried step or a resent POST does no harm.
"""

import base64
import re
import time
import zlib
from urllib.parse import quote

from .errors import ApiError, ExportFailed, ImportBusy, ImportFailed, MalformedResponse, PowerPlatformError
from .solution_records import (
    COMPONENT_TYPES,
    ConnectionReference,
    MissingDependency,
    SolutionItem,
    StartedExport,
    connector_name,
    parse_connection,
    zip_connection_references,
)

__all__ = ["SolutionCalls"]

DATAVERSE_API = "/api/data/v9.2"
ODATA = {"OData-MaxVersion": "4.0", "OData-Version": "4.0"}
APP, FLOW, CONNECTOR, TABLE, MODEL_DRIVEN_APP = 300, 29, 372, 1, 80
MIGRATE_BATCH = 20  # Add-AdminFlowsToSolution sends at most 20 flows per call
FILTER_BATCH = 15  # ids per OData "or" filter, to keep URLs short
EXPORT_OPTIONS = ("ExportAutoNumberingSettings", "ExportCalendarSettings", "ExportCustomizationSettings",
                  "ExportEmailTrackingSettings", "ExportGeneralSettings", "ExportMarketingSettings",
                  "ExportOutlookSynchronizationSettings", "ExportRelationshipRoles", "ExportIsvConfig", "ExportSales",
                  "ExportExternalApplications")
IMPORT_BUSY = re.compile(r"another \[?import\]? (is )?running|previous \[?import\]? running", re.IGNORECASE)
GUID = re.compile(r"\(([0-9a-fA-F-]{36})\)")


def _literal(value):
    return "'" + str(value).replace("'", "''") + "'"


def _batches(values, size):
    values = list(values)
    return [values[start:start + size] for start in range(0, len(values), size)]


class SolutionCalls:
    """Solution calls of PowerPlatformClient (uses its `transport`, `bases` and `dataverse_org`)."""

    # Dataverse plumbing

    def _dv(self, org, path):
        return f"{self.dataverse_org(org)}{DATAVERSE_API}/{path}"

    def _rows(self, org, table, where="", select=""):
        """Every row of `table` matching the OData filter `where`, following @odata.nextLink."""
        query = [f"$select={select}"] if select else []
        if where:
            query.append(f"$filter={quote(where, safe=chr(39) + '(),=')}")
        url = self._dv(org, table) + ("?" + "&".join(query) if query else "")
        return [row for page in self.transport.pages(url) for row in page]

    def _rows_by_ids(self, org, table, column, ids, select):
        rows = []
        for batch in _batches(ids, FILTER_BATCH):
            rows += self._rows(org, table, " or ".join(f"{column} eq {value}" for value in batch), select)
        return rows

    def _post(self, org, action, body, headers=None, response_headers=None):
        return self.transport.request("POST", self._dv(org, action), body=body, headers={**ODATA, **(headers or {})},
                                      response_headers=response_headers)

    def _solution_id(self, org, unique_name):
        rows = self._rows(org, "solutions", f"uniquename eq {_literal(unique_name)}", "solutionid,uniquename")
        return rows[0]["solutionid"] if rows else None

    def _solution_row(self, org, unique_name):
        solution_id = self._solution_id(org, unique_name)
        if not solution_id:
            raise PowerPlatformError(f"solution {unique_name!r} not found", org)
        return solution_id

    def _create(self, org, table, body, key):
        """POST a row; return its id from the representation or the OData-EntityId header."""
        headers = {}
        row = self._post(org, table, body, headers={"Prefer": "return=representation"}, response_headers=headers)
        if isinstance(row, dict) and row.get(key):
            return row[key]
        found = GUID.search(headers.get("OData-EntityId") or "")
        if not found:
            raise MalformedResponse(f"created {table} row without an id", org)
        return found.group(1)

    def _wait(self, org, operation_id, poll_seconds, timeout, failure):
        """Poll asyncoperations until the operation ends (see operation_done)."""
        deadline = time.monotonic() + timeout
        while not self.operation_done(org, operation_id, failure):
            if time.monotonic() > deadline:
                raise failure(f"did not finish within {timeout} s", org)
            time.sleep(poll_seconds)

    def operation_done(self, org, operation_id, failure):
        """One poll of an asynchronous operation: True once it succeeded, False while it runs.

        Raises `failure` with the tenant's message when it ended otherwise (statecode 3, statuscode
        other than 30).
        """
        url = self._dv(org, f"asyncoperations({operation_id})?$select=statecode,statuscode,message,friendlymessage")
        row = self.transport.request("GET", url, headers=ODATA) or {}
        if row.get("statecode") != 3:
            return False
        if row.get("statuscode") == 30:
            return True
        raise failure(row.get("friendlymessage") or row.get("message") or
                      f"ended with status {row.get('statuscode')}", org)

    # Putting items into a solution

    def create_solution(self, org, unique_name, display_name, publisher_prefix="coe"):
        """Return the id of solution `unique_name`, creating it (and its publisher) when missing."""
        existing = self._solution_id(org, unique_name)
        if existing:
            return existing
        body = {"uniquename": unique_name, "friendlyname": display_name, "version": "1.0.0.0",
                "description": "Created by the CoE portal for a migration",
                "publisherid@odata.bind": f"/publishers({self._publisher(org, publisher_prefix)})"}
        try:
            return self._create(org, "solutions", body, "solutionid")
        except ApiError as exc:
            if exc.status != 412:  # a resent POST finds the row its first attempt made
                raise
        return self._solution_row(org, unique_name)

    def _publisher(self, org, prefix):
        rows = self._rows(org, "publishers", f"customizationprefix eq {_literal(prefix)}", "publisherid")
        if rows:
            return rows[0]["publisherid"]
        unique = f"{prefix}portal"
        body = {"uniquename": unique, "friendlyname": f"CoE portal ({prefix})", "customizationprefix": prefix,
                "customizationoptionvalueprefix": 10000 + zlib.crc32(prefix.encode()) % 89999}
        try:
            return self._create(org, "publishers", body, "publisherid")
        except ApiError as exc:
            if exc.status != 412:
                raise
        return self._rows(org, "publishers", f"uniquename eq {_literal(unique)}", "publisherid")[0]["publisherid"]

    def add_app_to_solution(self, env_id, org, app_id, solution_unique_name, solution_id):
        """Make the app solution-aware when it is not (15C), then add it as component 300 (15A); idempotent."""
        if not self._rows(org, "canvasapps", f"canvasappid eq {app_id}", "canvasappid"):
            url = (f"{self.bases['powerapps']}/providers/Microsoft.PowerApps/environments/{env_id}/apps/{app_id}"
                   "/makeSolutionAware?api-version=2018-10-01")
            self.transport.request("POST", url, body={"solutionId": solution_id})
        self._add_component(org, app_id, APP, solution_unique_name)

    def _add_component(self, org, object_id, kind, solution_unique_name):
        body = {"ComponentId": object_id, "ComponentType": kind, "SolutionUniqueName": solution_unique_name,
                "AddRequiredComponents": False, "DoNotIncludeSubcomponents": False,
                "IncludedComponentSettingsValues": None}
        return (self._post(org, "AddSolutionComponent", body) or {}).get("id")

    def add_flows_to_solution(self, env_id, org, flow_ids, solution_id):
        """Put flows into the solution: migrateFlows for those not in Dataverse (15B), AddSolutionComponent 29 for
        those already there; idempotent. Return {flow id: Dataverse workflow id}.
        """
        flow_ids = [str(flow_id).lower() for flow_id in flow_ids]
        rows = self._rows(org, "solutions", f"solutionid eq {solution_id}", "uniquename")
        if not rows:
            raise PowerPlatformError(f"solution {solution_id} not found", org)
        unique_name = rows[0]["uniquename"]
        stored = {row["resourceid"].lower(): row["workflowid"]
                  for row in self._rows_by_ids(org, "workflows", "resourceid", flow_ids, "workflowid,resourceid")}
        for flow_id in flow_ids:
            if flow_id in stored:
                self._add_component(org, stored[flow_id], FLOW, unique_name)
        for batch in _batches([f for f in flow_ids if f not in stored], MIGRATE_BATCH):
            stored.update(self._migrate_flows(env_id, solution_id, batch))
        return stored

    def _migrate_flows(self, env_id, solution_id, flow_ids):
        url = (f"{self.bases['flow']}/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env_id}"
               f"/migrateFlows?api-version=2016-11-01&solutionId={solution_id}")
        answer = self.transport.request("POST", url, body={"flowsToMigrate": flow_ids}) or {}
        results = answer.get("value") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            raise MalformedResponse("migrateFlows answered without a value list", url)
        failed = [f"{r.get('name')}: {(r.get('error') or {}).get('message', '')}" for r in results
                  if r.get("status") != "Succeeded"]
        if failed:
            raise PowerPlatformError(f"migrateFlows failed for {'; '.join(failed)}", url)
        return {str(r.get("name")).lower(): r.get("workflowEntityId") or "" for r in results}

    def missing_dependencies(self, org, solution_unique_name):
        """What the solution needs that the target may not hold (section 18), each with a readable description."""
        name = quote(_literal(solution_unique_name))
        url = self._dv(org, f"RetrieveMissingDependencies(SolutionUniqueName=@p)?@p={name}")
        rows = (self.transport.request("GET", url, headers=ODATA) or {}).get("value") or []
        names = {}
        found = []
        for row in rows:
            required = (int(row.get("requiredcomponenttype") or 0), str(row.get("requiredcomponentobjectid") or ""))
            dependent = (int(row.get("dependentcomponenttype") or 0), str(row.get("dependentcomponentobjectid") or ""))
            for key in (required, dependent):
                if key not in names:
                    names[key] = self._component_label(org, *key)
            found.append(MissingDependency(required[0], required[1], dependent[0], dependent[1],
                                           f"{names[dependent]} needs {names[required]}, which the solution "
                                           "does not contain"))
        return found

    def _component_label(self, org, kind, object_id):
        """"custom connector 'X'" and the like; the bare id when the name cannot be read."""
        label = COMPONENT_TYPES.get(kind, f"component type {kind}")
        lookups = {CONNECTOR: ("connectors", "connectorid", "displayname"),
                   APP: ("canvasapps", "canvasappid", "displayname"), FLOW: ("workflows", "workflowid", "name"),
                   MODEL_DRIVEN_APP: ("appmodules", "appmoduleid", "name"),
                   TABLE: ("EntityDefinitions", "MetadataId", "LogicalName")}
        if kind in lookups:
            table, column, name = lookups[kind]
            try:
                rows = self._rows(org, table, f"{column} eq {object_id}", name)
            except PowerPlatformError:
                rows = []
            if rows and rows[0].get(name):
                return f"{'custom ' if kind == CONNECTOR else ''}{label} '{rows[0][name]}'"
        return f"{label} {object_id}"

    # Export and import

    def export_solution(self, org, unique_name, managed=False, poll_seconds=1.0, timeout=600):
        """Export a solution (ExportSolutionAsync, poll, DownloadSolutionExportData); return the .zip bytes."""
        started = self.start_export(org, unique_name, managed)
        self._wait(org, started.operation_id, poll_seconds, timeout, ExportFailed)
        return self.download_export(org, started.export_job_id)

    def start_export(self, org, unique_name, managed=False):
        """ExportSolutionAsync: the export's (operation_id, export_job_id); poll with operation_done."""
        body = {"SolutionName": unique_name, "Managed": managed, **{option: False for option in EXPORT_OPTIONS}}
        started = self._post(org, "ExportSolutionAsync", body) or {}
        if not started.get("AsyncOperationId") or not started.get("ExportJobId"):
            raise MalformedResponse("ExportSolutionAsync answered without AsyncOperationId and ExportJobId", org)
        return StartedExport(started["AsyncOperationId"], started["ExportJobId"])

    def download_export(self, org, export_job_id):
        """DownloadSolutionExportData of a finished export: the .zip bytes."""
        data = self._post(org, "DownloadSolutionExportData", {"ExportJobId": export_job_id}) or {}
        try:
            return base64.b64decode(data["ExportSolutionFile"], validate=True)
        except (KeyError, TypeError, ValueError):
            raise MalformedResponse("DownloadSolutionExportData answered without a base64 file", org) from None

    def import_solution(self, org, zip_bytes, connection_bindings, poll_seconds=1.0, timeout=900,
                        publish_workflows=False):
        """Import a solution file, binding connection references {logical name: connection id} (section 17).

        Raises ImportBusy while another import runs in the environment, ImportFailed when it fails.
        """
        operation_id = self.start_import(org, zip_bytes, connection_bindings, publish_workflows)
        self._wait(org, operation_id, poll_seconds, timeout, ImportFailed)

    def start_import(self, org, zip_bytes, connection_bindings, publish_workflows=False):
        """ImportSolutionAsync with the connection bindings: its operation id; poll with operation_done."""
        bindings = {name.lower(): connection for name, connection in (connection_bindings or {}).items()}
        parameters = [{"@odata.type": "Microsoft.Dynamics.CRM.connectionreference",
                       "connectionreferencelogicalname": ref.logical_name,
                       "connectorid": f"/providers/Microsoft.PowerApps/apis/{ref.connector_id}",
                       "connectionid": bindings[ref.logical_name.lower()]}
                      for ref in zip_connection_references(zip_bytes) if ref.logical_name.lower() in bindings]
        body = {"CustomizationFile": base64.b64encode(zip_bytes).decode(), "OverwriteUnmanagedCustomizations": True,
                "PublishWorkflows": publish_workflows, "ComponentParameters": parameters}
        try:
            started = self._post(org, "ImportSolutionAsync", body) or {}
        except ApiError as exc:
            if IMPORT_BUSY.search(str(exc)):
                raise ImportBusy(str(exc)) from exc
            raise ImportFailed(str(exc)) from exc
        if not started.get("AsyncOperationId"):
            raise MalformedResponse("ImportSolutionAsync answered without an AsyncOperationId", org)
        return started["AsyncOperationId"]

    # Reading what a solution holds

    def solution_connection_references(self, org, unique_name):
        """The connection references of a solution, with the connection each is bound to there."""
        solution_id = self._solution_row(org, unique_name)
        ids = [row["objectid"] for row in self._rows(org, "solutioncomponents", f"_solutionid_value eq {solution_id}",
                                                     "objectid,componenttype")]
        rows = self._rows_by_ids(org, "connectionreferences", "connectionreferenceid", ids,
                                 "connectionreferencelogicalname,connectorid,connectionreferencedisplayname,"
                                 "connectionid")
        return [ConnectionReference(row["connectionreferencelogicalname"], connector_name(row.get("connectorid")),
                                    row.get("connectionreferencedisplayname") or "", row.get("connectionid") or "")
                for row in rows]

    def connections(self, env_id, connector_id=None):
        """The connections in an environment (section 9), all or one connector's."""
        base = f"{self.bases['powerapps']}/providers/Microsoft.PowerApps/scopes/admin/environments/{env_id}"
        wanted = connector_name(connector_id) if connector_id else ""
        url = f"{base}/apis/{wanted}/connections" if wanted else f"{base}/connections"
        found = [parse_connection(item, url) for page in self.transport.pages(f"{url}?api-version=2016-11-01")
                 for item in page]
        return [c for c in found if not wanted or c.connector_id == wanted]

    def solution_items(self, env_id, org, unique_name):
        """The apps and flows solution `unique_name` holds in this environment, by their admin-API ids."""
        solution_id = self._solution_row(org, unique_name)
        components = self._rows(org, "solutioncomponents", f"_solutionid_value eq {solution_id}",
                                "objectid,componenttype")
        apps = [row["objectid"] for row in components if row.get("componenttype") == APP]
        flows = [row["objectid"] for row in components if row.get("componenttype") == FLOW]
        items = [SolutionItem("app", row["canvasappid"], row.get("displayname") or row.get("name") or "",
                              row.get("appopenuri") or "", row.get("status") or "", row["canvasappid"])
                 for row in self._rows_by_ids(org, "canvasapps", "canvasappid", apps,
                                              "canvasappid,name,displayname,appopenuri,status")]
        for row in self._rows_by_ids(org, "workflows", "workflowid", flows, "workflowid,resourceid,name,statecode"):
            flow_id = row.get("resourceid") or row["workflowid"]
            items.append(SolutionItem(
                "flow", flow_id, row.get("name") or "",
                f"https://make.powerautomate.com/environments/{env_id}/flows/{flow_id}/details",
                "Started" if row.get("statecode") == 1 else "Stopped", row["workflowid"]))
        return items
