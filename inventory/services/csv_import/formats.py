"""The CSV layouts we import and how to tell them apart by their header.

DLP layouts are the DLP Editor's impact CSVs (flow "DLP Editor > Parse impacted resources into
CSV": AppName, AppOwner, AppOwnerEmail, AppConnections, AppID, AppEnvironmentID, AppLastLaunched
and the Flow* equivalents); the CoE layouts are Dataverse exports of the kit's tables under
their logical column names. Header names are compared ignoring case, spaces, "_" and "-".
"""

import csv
import re
from dataclasses import dataclass
from pathlib import PurePath

from . import values as v
from .errors import CsvImportError

__all__ = ["Column", "FORMATS", "Format", "canonical", "detect_format", "header_delimiter", "split_header"]


@dataclass(frozen=True)
class Column:
    """A column we read: the record field it fills, the header names it goes by (first found wins)."""

    field: str
    names: tuple  # as an export writes them; compared by canonical()
    parse: object = v.text
    required: bool = False  # the column must be there and every row must have a value
    needed: bool = False  # the column must be there; a row may leave it blank
    limit: int | None = None  # longest value the database column takes


@dataclass(frozen=True)
class Format:
    """One importable layout: the inventory kind it fills, its key field and its columns."""

    name: str
    kind: str
    key: str
    columns: tuple


def canonical(name):
    """Return a header name reduced for comparison: lower case, no BOM, spaces, "_" or "-"."""
    return re.sub(r"[\s_\-]", "", name.replace("\ufeff", "")).lower()


def _dlp(item, *extra):
    return (
        Column(f"{item.lower()}_id", (f"{item}ID", "ID"), v.guid, required=True),
        Column("display_name", (f"{item}Name", "Name"), required=True, limit=300),
        Column("owner_name", (f"{item}Owner", "Owner"), limit=200),
        Column("owner_email", (f"{item}OwnerEmail", "Owner Email"), v.email, limit=254),
        Column("connections", (f"{item}Connections", "Connections"), v.connections, needed=True),
        Column("environment", (f"{item}EnvironmentID", "Environment ID"), v.environment_id, required=True, limit=64),
        *extra,
    )


def _coe_item(item, *extra):
    return (
        Column(f"{item}_id", (f"admin_{item}id",), v.guid, required=True),
        Column("display_name", ("admin_displayname",), required=True, limit=300),
        Column("environment", (f"admin_{item}environmentid", f"admin_{item}environment",
                               f"_admin_{item}environment_value"), v.environment_id, required=True, limit=64),
        Column("environment_name", (f"admin_{item}environmentdisplayname",), limit=200),
        Column("connections", (f"admin_{item}connections",), v.connections),
        Column("is_solution_aware", (f"admin_issolution{item}",), v.boolean),
        *extra,
    )


FORMATS = {f.name: f for f in (
    Format("dlp_apps", "apps", "app_id", _dlp(
        "App", Column("last_launched_time", ("AppLastLaunched", "Last Launched"), v.timestamp))),
    Format("dlp_flows", "flows", "flow_id", _dlp("Flow", Column("state", ("FlowState", "State"), v.flow_state))),
    Format("coe_apps", "apps", "app_id", _coe_item(
        "app",
        Column("owner_object_id", ("admin_appowner", "_admin_appowner_value"), v.guid),
        Column("owner_name", ("admin_appownerdisplayname",), limit=200),
        Column("kind", ("admin_powerappstype",), v.app_kind),
        Column("created_time", ("admin_appcreatedon",), v.timestamp),
        Column("modified_time", ("admin_appmodifiedon",), v.timestamp),
        Column("published_time", ("admin_apppublished",), v.timestamp),
        Column("last_launched_time", ("admin_applastlaunchedon",), v.timestamp),
        Column("shared_users_count", ("admin_appsharedusers",), v.count),
        Column("shared_groups_count", ("admin_appsharedgroups",), v.count),
        Column("quarantined", ("admin_appisquarantined", "admin_quarantineapp"), v.boolean),
    )),
    Format("coe_flows", "flows", "flow_id", _coe_item(
        "flow",
        Column("owner_object_id", ("admin_flowcreator", "_admin_flowcreator_value"), v.guid),
        Column("owner_name", ("admin_flowmakerdisplayname",), limit=200),
        Column("owner_upn", ("admin_flowcreatorupn",), v.email, limit=254),
        Column("state", ("admin_flowstate",), v.flow_state),
        Column("suspension_reason", ("admin_flowsuspensionreason",), limit=100),
        Column("created_time", ("admin_flowcreatedon",), v.timestamp),
        Column("modified_time", ("admin_flowmodifiedon",), v.timestamp),
    )),
    Format("coe_environments", "environments", "env_id", (
        Column("env_id", ("admin_environmentname", "admin_environmentid"), v.environment_id, required=True,
               limit=64),
        Column("display_name", ("admin_displayname",), required=True, limit=200),
        Column("environment_type", ("admin_environmentsku",), v.environment_type),
        Column("region", ("admin_region",), limit=50),
        Column("dataverse_url", ("admin_environmentcdsinstanceurl",), v.url, limit=200),
        Column("created_time", ("admin_environmentcreatedon",), v.timestamp),
        Column("is_managed", ("admin_governanceprotectionlevel",), v.managed_level),
    )),
    Format("coe_makers", "makers", "entra_object_id", (
        Column("entra_object_id", ("admin_makerid",), v.guid, required=True),
        Column("display_name", ("admin_displayname",), limit=200),
        Column("user_principal_name", ("admin_userprincipalname",), limit=254),
        Column("email", ("admin_useremail",), v.email, limit=254),
        Column("department", ("admin_department",), limit=200),
        Column("city", ("admin_city",), limit=100),
        Column("country", ("admin_country",), limit=98),
        Column("account_enabled", ("admin_accountenabled",), v.boolean),
    )),
    Format("coe_connectors", "connectors", "connector_id", (
        Column("connector_id", ("admin_id", "admin_name", "admin_admin_id_short"), v.connector_id, required=True,
               limit=200),
        Column("display_name", ("admin_displayname",), required=True, limit=200),
        Column("publisher", ("admin_publisher",), limit=200),
        Column("tier", ("admin_tier",), v.tier),
        Column("is_custom", ("admin_iscustomapi",), v.boolean),
    )),
)}

# Checked in order; a format matches when every name of one of its sets is in the header.
SIGNATURES = (
    ("coe_apps", ({"adminappid"},)),
    ("coe_flows", ({"adminflowid"},)),
    ("coe_makers", ({"adminmakerid"},)),
    ("coe_connectors", ({"adminconnectorid"}, {"adminid", "admindisplayname"})),
    ("coe_environments", ({"adminenvironmentid"}, {"adminenvironmentname"})),
    ("dlp_apps", tuple({"appid", other} for other in ("appname", "appenvironmentid", "appconnections"))),
    ("dlp_flows", tuple({"flowid", other} for other in ("flowname", "flowenvironmentid", "flowconnections"))),
)
GENERIC_DLP = {"id", "name"}


def header_delimiter(line):
    """Return ";" when a header line has more semicolons than commas outside quotes, else ","."""
    unquoted = re.sub(r'"[^"]*"', "", line)
    return ";" if unquoted.count(";") > unquoted.count(",") else ","


def split_header(line):
    """Split a raw header line on its delimiter."""
    line = line.lstrip("\ufeff").rstrip("\r\n")
    return next(csv.reader([line], delimiter=header_delimiter(line), skipinitialspace=True), [])


def _generic_dlp(names, filename):
    stem = PurePath(filename).stem.lower()
    if "state" in names or "flow" in stem:
        return "dlp_flows"
    if "lastlaunched" in names or "app" in stem:
        return "dlp_apps"
    return None


def detect_format(header, filename=""):
    """Name the format of a header (a list of names, or the raw first line); `filename` breaks a tie."""
    names = {canonical(name.strip()) for name in (split_header(header) if isinstance(header, str) else header)}
    names.discard("")
    for name, signatures in SIGNATURES:
        if any(signature <= names for signature in signatures):
            return name
    if GENERIC_DLP <= names and (found := _generic_dlp(names, filename)):
        return found
    if GENERIC_DLP <= names:
        raise CsvImportError.at(1, "a DLP impact CSV that does not say whether it lists apps or flows: name "
                                   "the file apps.csv or flow.csv, or use the AppID/FlowID headers")
    raise CsvImportError.at(1, "unrecognised header: expected a DLP impact CSV (AppID, AppName, "
                               "AppEnvironmentID, AppConnections or the Flow* equivalents) or a CoE Starter Kit "
                               "export of admin_app, admin_flow, admin_environment, admin_maker or admin_connector")
