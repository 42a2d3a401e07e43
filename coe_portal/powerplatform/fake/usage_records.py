"""Audit records as the Management Activity API's blobs carry them (usage-apis.md §1.4, §1.5, §7.5).

Two launch shapes: A, the unified Power Platform record (RecordType 256, Workload PowerPlatform, the data
in PropertyCollection, §1.4 A after D5 and C6's sample) and B, the legacy PowerApps workload record with a
top-level AppName (§1.4 B after C2). Around them, records of other workloads and other operations that
share Audit.General.
"""

import re
import time
from types import SimpleNamespace

import msgspec
import numpy as np

from .usage_hash import guid, scalar

__all__ = ["LaunchTemplate", "content_time", "creation_time", "creation_times", "launch_record", "noise_records"]

NOISE = (
    ("MicrosoftTeams", 25, "MessageSent"), ("MicrosoftTeams", 25, "MemberAdded"), ("PowerBI", 20, "ViewReport"),
    ("MicrosoftForms", 66, "ViewForm"), ("Yammer", 22, "MessageCreation"),
    ("MicrosoftFlow", 30, "EditFlow"), ("MicrosoftFlow", 30, "CreateFlow"),
    # Power Apps records that are not launches: the client must key on the operation (§1.4).
    ("PowerApps", 45, "PowerAppPermissionEdited"), ("PowerApps", 45, "PublishPowerApp"),
)


def creation_time(seconds):
    """`CreationTime`: UTC with no zone suffix, as D1's sample writes it (§1.4)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(seconds)))


def creation_times(seconds):
    """`creation_time` of each of an array of epoch seconds, formatted by numpy."""
    return np.datetime_as_string(np.asarray(seconds).astype(np.int64).astype("datetime64[s]")).tolist()


def content_time(seconds):
    """`contentCreated` / `contentExpiration`: UTC with milliseconds and Z, as D1's examples write them (§1.3)."""
    whole = int(seconds)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((seconds - whole) * 1000):03d}Z"


def _ip(value):
    return f"203.0.113.{value % 250 + 1}"  # a documentation range: no real client's address


_STATIC = {}


def _static(tenant, app, env, app_id):
    """The PropertyCollection entries one app's launches share (D5's names), made once per app."""
    key = (tenant.tenant_id, app.name, app.display_name, env.display_name, app_id)
    found = _STATIC.get(key)
    if found is None:
        pairs = [("powerplatform.analytics.resource.type", "PowerApp"),
                 ("powerplatform.analytics.resource.power_app.id", app.name),
                 ("powerplatform.analytics.resource.power_app.display_name", app.display_name),
                 ("powerplatform.analytics.resource.environment.id", env.name),
                 ("powerplatform.analytics.resource.environment.name", env.display_name),
                 ("powerplatform.analytics.activity.name", "LaunchPowerApp")]
        if not app_id:
            pairs = [(name, value) for name, value in pairs if ".power_app." not in name]
        middle = [("powerplatform.analytics.operation.is_successful", "True"),
                  ("powerplatform.analytics.resource.tenant.id", tenant.tenant_id)]
        tail = [("user_agent.original", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"),
                ("type", "PowerPlatformAdministratorActivityRecord"), ("version", "1.0")]
        found = tuple([{"Name": name, "Value": value} for name, value in part] for part in (pairs, middle, tail))
        if len(_STATIC) > 100_000:
            _STATIC.clear()
        _STATIC[key] = found
    return found


def launch_record(tenant, app, env, maker, seconds, key, legacy=False, app_id=True, ids=None):
    """One LaunchPowerApp record; `key` (a 64-bit hash) makes its Id; without `app_id` it names no app.
    `ids`: the record's, activity's and correlation's GUIDs from `key`, when the caller made them by the blob."""
    record_id, activity_id, correlation_id = ids or (guid(key), guid(key ^ 0xAC7), guid(key ^ 0xC0))
    common = {"CreationTime": creation_time(seconds), "Id": record_id, "Operation": "LaunchPowerApp",
              "OrganizationId": tenant.tenant_id, "UserKey": maker.oid, "UserId": maker.upn,
              "ClientIP": _ip(key), "ResultStatus": "Succeeded"}
    if legacy:
        # §1.4 B: RecordType 45 is presumed; EnvironmentName holds the environment's id despite its name (C6).
        return {**common, "RecordType": 45, "UserType": 0, "Workload": "PowerApps", "ObjectId": app.name,
                "AppName": app.name, "EnvironmentName": env.name, "AppDisplayName": app.display_name}
    head = _static(tenant, app, env, app_id)
    properties = [
        *head[0],
        {"Name": "powerplatform.analytics.activity.id", "Value": activity_id},
        *head[1],
        {"Name": "powerplatform.analytics.correlation.id", "Value": correlation_id},
        {"Name": "enduser.id", "Value": maker.oid}, {"Name": "enduser.principal_name", "Value": maker.upn},
        {"Name": "enduser.role", "Value": "Viewer"}, {"Name": "enduser.ip_address", "Value": _ip(key)},
        *head[2],
    ]
    # §1.4 A: UserType 2, Version 1 and RequiresCustomerKeyEncryption are from C6's sanitised sample.
    return {**common, "RecordType": 256, "UserType": 2, "Version": 1, "Workload": "PowerPlatform",
            "ObjectId": app.name if app_id else "", "EnvironmentId": env.name,
            "RequiresCustomerKeyEncryption": False,
            "PropertyCollection": properties}


FIELDS = ("time", "id", "activity", "correlation", "oid", "upn", "ip")
IP_JSON = [f'"{_ip(value)}"'.encode() for value in range(250)]  # by key % 250


class LaunchTemplate:
    """`launch_record`'s JSON bytes with the per-launch values left as holes, made once per app and shape: a
    blob's thousands of launches are then joined bytes, not dicts encoded one by one (the same JSON)."""

    HOLE = re.compile(rb'"@@(\w+)@@"')
    _made = {}

    def __init__(self, tenant, app, env, legacy, app_id):
        placeholder = SimpleNamespace(oid="@@oid@@", upn="@@upn@@")
        record = launch_record(tenant, app, env, placeholder, 0, 0, legacy, app_id,
                               ids=("@@id@@", "@@activity@@", "@@correlation@@"))
        for entry in record.get("PropertyCollection", ()):
            if entry["Name"] == "enduser.ip_address":
                entry["Value"] = "@@ip@@"
        body = msgspec.json.encode({**record, "CreationTime": "@@time@@", "ClientIP": "@@ip@@"})
        parts = self.HOLE.split(body)
        self.literals = parts[0::2]
        self.order = [FIELDS.index(name.decode()) for name in parts[1::2]]

    @classmethod
    def of(cls, tenant, app, env, legacy, app_id):
        key = (tenant.tenant_id, app.name, app.display_name, env.name, env.display_name, legacy, app_id)
        found = cls._made.get(key)
        if found is None:
            if len(cls._made) > 100_000:
                cls._made.clear()
            found = cls._made[key] = cls(tenant, app, env, legacy, app_id)
        return found

    def fill(self, *values):
        """The record's JSON, `values` being the JSON-encoded values in the order of FIELDS."""
        out = [self.literals[0]]
        for position, literal in zip(self.order, self.literals[1:], strict=True):
            out += (values[position], literal)
        return b"".join(out)


def noise_records(tenant, apps, makers, blob_key, around):
    """2-8 records of other workloads and operations for one blob, from events in the hours before `around`."""
    count = 2 + scalar(blob_key, 1) % 7
    records = []
    for position in range(count):
        key = scalar(blob_key, 100 + position)
        workload, record_type, operation = NOISE[key % len(NOISE)]
        maker = makers[(key >> 8) % len(makers)]
        seconds = around - 3600 - (key >> 20) % (20 * 3600)
        record = {"CreationTime": creation_time(seconds), "Id": guid(key), "Operation": operation,
                  "OrganizationId": tenant.tenant_id, "RecordType": record_type, "UserKey": maker.oid,
                  "UserType": 0, "Version": 1, "Workload": workload, "ResultStatus": "Succeeded",
                  "ObjectId": "", "UserId": maker.upn, "ClientIP": _ip(key)}
        if workload == "PowerApps" and apps:
            app = apps[(key >> 16) % len(apps)]
            record.update({"ObjectId": app.name, "AppName": app.name, "EnvironmentName": app.env})
        elif workload == "MicrosoftFlow":
            record["FlowDetailsUrl"] = f"https://make.powerautomate.com/environments/x/flows/{guid(key ^ 7)}/details"
        records.append(record)
    return records
