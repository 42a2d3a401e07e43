"""Dataverse table metadata (EntityDefinitions): which tables an org has, and each table's lookups and columns."""

from dataclasses import dataclass, field

from .errors import MalformedResponse

__all__ = ["MetadataCalls", "TableDefinition"]

DATAVERSE_API = "/api/data/v9.2"
ODATA = {"OData-MaxVersion": "4.0", "OData-Version": "4.0"}
NAMES = "LogicalName,EntitySetName,LogicalCollectionName,DisplayCollectionName,IsCustomEntity"


def _label(value):
    if isinstance(value, dict):
        return ((value.get("UserLocalizedLabel") or {}).get("Label") or
                next((label.get("Label") for label in value.get("LocalizedLabels") or [] if label.get("Label")), ""))
    return str(value or "")


@dataclass
class TableDefinition:
    """A Dataverse table: its names, whether it is custom, its lookups [(column, referenced table)] and columns."""

    logical_name: str
    entity_set: str = ""
    display_name: str = ""
    is_custom: bool = False
    lookups: list = field(default_factory=list)
    columns: list = field(default_factory=list)

    def names(self):
        """Every name a data source may call the table by, lower case."""
        return {name.lower() for name in (self.logical_name, self.entity_set, self.display_name) if name}


def _table(item, url):
    if not isinstance(item, dict) or not item.get("LogicalName"):
        raise MalformedResponse("entity definition without LogicalName", url)
    lookups = [(rel.get("ReferencingAttribute") or "", rel.get("ReferencedEntity") or "")
               for rel in item.get("ManyToOneRelationships") or [] if isinstance(rel, dict)]
    columns = [a.get("LogicalName") for a in item.get("Attributes") or [] if isinstance(a, dict)]
    return TableDefinition(
        logical_name=item["LogicalName"],
        entity_set=item.get("EntitySetName") or item.get("LogicalCollectionName") or "",
        display_name=_label(item.get("DisplayCollectionName")), is_custom=bool(item.get("IsCustomEntity")),
        lookups=[pair for pair in lookups if all(pair)],
        columns=[name for name in columns if name])


def _dataverse_tables_in(actions):
    """entityName of every Dataverse action, nested scopes included."""
    found = []
    for action in (actions or {}).values():
        if not isinstance(action, dict):
            continue
        inputs = action.get("inputs") or {}
        api = str(((inputs.get("host") or {}) if isinstance(inputs, dict) else {}).get("apiId") or "").lower()
        if api.endswith("shared_commondataserviceforapps"):
            name = (inputs.get("parameters") or {}).get("entityName")
            if isinstance(name, str) and name:
                found.append(name)
        found += _dataverse_tables_in(action.get("actions"))
        found += _dataverse_tables_in((action.get("else") or {}).get("actions"))
    return found


class MetadataCalls:
    """EntityDefinitions calls of PowerPlatformClient (uses its `transport` and `dataverse_org`)."""

    def flow_dataverse_tables(self, env_id, flow_id):
        """The Dataverse tables (entity set names) a flow's actions read or write, from its definition."""
        url = (f"{self.bases['flow']}/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env_id}"
               f"/flows/{flow_id}?api-version=2016-11-01")
        body = self.transport.request("GET", url) or {}
        definition = ((body.get("properties") or {}).get("definition") or {}) if isinstance(body, dict) else {}
        return sorted(set(_dataverse_tables_in(definition.get("actions"))))

    def dataverse_tables(self, org):
        """Every table of the org, names only (no lookups or columns)."""
        url = f"{self.dataverse_org(org)}{DATAVERSE_API}/EntityDefinitions?$select={NAMES}"
        return [_table(item, url) for page in self.transport.pages(url) for item in page]

    def table_definition(self, org, logical_name):
        """One table with its many-to-one lookups and its columns."""
        url = (f"{self.dataverse_org(org)}{DATAVERSE_API}/EntityDefinitions(LogicalName='{logical_name}')"
               f"?$select={NAMES}&$expand=ManyToOneRelationships($select=ReferencingAttribute,ReferencedEntity),"
               "Attributes($select=LogicalName,IsValidForCreate)")
        return _table(self.transport.request("GET", url, headers=ODATA), url)
