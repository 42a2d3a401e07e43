"""Records the solution calls return, and the reading of a solution file's connection references."""

import io
import zipfile
from dataclasses import dataclass

from defusedxml import ElementTree

from .errors import MalformedResponse

__all__ = ["COMPONENT_TYPES", "Connection", "ConnectionReference", "MissingDependency", "SolutionItem",
           "StartedExport", "connector_name", "parse_connection", "zip_connection_references"]

# solutioncomponent.componenttype numbers the portal names (power-platform-api.md, 15 and 18).
COMPONENT_TYPES = {1: "table", 2: "column", 10: "relationship", 29: "flow", 60: "form", 62: "site map",
                   80: "model-driven app", 300: "canvas app", 371: "connector", 372: "connector",
                   380: "environment variable definition", 381: "environment variable value"}


def connector_name(api_id):
    """`shared_x` from any spelling of a connector id (casing differs by source)."""
    return str(api_id or "").rstrip("/").rsplit("/", 1)[-1].lower()


@dataclass
class MissingDependency:
    """A component a solution needs that neither it nor the platform holds (RetrieveMissingDependencies)."""

    required_type: int
    required_id: str
    dependent_type: int
    dependent_id: str
    description: str


@dataclass
class ConnectionReference:
    """A connection reference of a solution; `connection_id` is its binding where it was read."""

    logical_name: str
    connector_id: str
    display_name: str
    connection_id: str = ""


@dataclass
class Connection:
    """A connection in an environment (section 9); `created_by` is the maker's Entra object id."""

    id: str
    connector_id: str
    display_name: str
    status: str
    created_by: str
    created_by_email: str = ""


@dataclass
class SolutionItem:
    """An app or flow a solution holds in one environment, by its admin-API id."""

    kind: str  # "app" | "flow"
    item_id: str
    display_name: str
    open_url: str
    state: str
    dataverse_id: str = ""


@dataclass(frozen=True)
class StartedExport:
    """An export the tenant is running: poll `operation_id`, then download by `export_job_id`."""

    operation_id: str
    export_job_id: str


def parse_connection(item, url=""):
    """A Connection from an admin connections listing item."""
    props = item.get("properties") if isinstance(item, dict) else None
    if not isinstance(props, dict) or not item.get("name"):
        raise MalformedResponse("connection without name or properties", url)
    statuses = props.get("statuses") or [{}]
    creator = props.get("createdBy") or {}
    return Connection(id=item["name"], connector_id=connector_name(props.get("apiId")),
                      display_name=props.get("displayName") or item["name"],
                      status=(statuses[0] or {}).get("status") or "Unknown", created_by=str(creator.get("id") or ""),
                      created_by_email=creator.get("email") or creator.get("userPrincipalName") or "")


def zip_connection_references(content):
    """The connection references a solution .zip declares (customizations.xml), unbound."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            root = ElementTree.fromstring(archive.read("customizations.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise MalformedResponse(f"not a solution file: {exc}") from None
    return [ConnectionReference(logical_name=element.get("connectionreferencelogicalname") or "",
                                connector_id=connector_name(element.findtext("connectorid")),
                                display_name=element.findtext("connectionreferencedisplayname") or "")
            for element in root.iter("connectionreference")]
