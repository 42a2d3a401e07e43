"""Calls that read usage: the audit feed (app launches), flow run history, Dataverse run and conversation
tables, and Power Platform Advisor (../shared/reference/usage-apis.md, cited by section)."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import quote

import msgspec

from .errors import ApiError, MalformedResponse
from .records import _time as parse_service_time

__all__ = ["AuditContent", "Launch", "RunPage", "UsageCalls", "parse_audit_blob", "parse_time"]

AUDIT_CONTENT_TYPE = "Audit.General"
ADVISOR_VERSION = "2024-10-01"
RUN_PAGE_SIZE = 250  # $top; the service's maximum is unverified (section 2.1)
DATAVERSE_PAGE = {"Prefer": "odata.maxpagesize=500"}  # elastic tables answer 500 rows a page (section 2.2)
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
APP_ID_PROPERTY = "powerplatform.analytics.resource.power_app.id"
USER_ID_PROPERTY = "enduser.id"
FAILED = {"failed", "failure"}
SUCCEEDED = {"succeeded", "success"}  # Dataverse's flowrun.status is "Success" by its docs, "Succeeded" by clients


@dataclass(frozen=True)
class AuditContent:
    """One blob of the feed as the content listing describes it (section 1.3)."""

    content_id: str
    uri: str
    created: datetime


class Launch(NamedTuple):
    """A Power Apps launch read from an audit record; `time` is the record's CreationTime (UTC) as written.
    (A tuple: a blob makes hundreds, and a frozen dataclass cost a microsecond each.)"""

    record_id: str
    app_guid: str
    user_key: str
    time: str

    @property
    def at(self):
        return parse_time(self.time)


class RunPage:
    """One page of runs: `runs` as (flow key, start time as the service wrote it, True/False/None for
    succeeded/failed/not ended) tuples, cheap to make by the million; and the next page's URL."""

    def __init__(self, runs, next_url):
        self.runs, self.next_url = runs, next_url


class _RunProperties(msgspec.Struct):
    startTime: str = ""
    status: str | None = None


class _FlowRun(msgspec.Struct):
    properties: _RunProperties | None = None


class _FlowRunPage(msgspec.Struct):
    value: list[_FlowRun]
    nextLink: str | None = None


class _DataverseRun(msgspec.Struct):
    workflowid: str = ""
    starttime: str = ""
    status: str | None = None


class _DataverseRunPage(msgspec.Struct):
    value: list[_DataverseRun]
    next_link: str | None = msgspec.field(name="@odata.nextLink", default=None)


_FLOW_RUNS = msgspec.json.Decoder(_FlowRunPage)
_DATAVERSE_RUNS = msgspec.json.Decoder(_DataverseRunPage)


class _Property(msgspec.Struct):
    Name: str = ""
    Value: object = None


class _Record(msgspec.Struct):
    """The fields of an audit record a launch needs; the rest of each record is skipped unread.

    PropertyCollection stays raw bytes: decoded into objects it costs seven times the rest of a
    record, and a launch needs one entry of it (_property finds it, decoding only what it must).
    """

    Id: str = ""
    RecordType: object = None
    CreationTime: str = ""
    Operation: str = ""
    Workload: str = ""
    UserKey: str | None = None
    UserId: str | None = None
    AppName: str | None = None
    PropertyCollection: msgspec.Raw = msgspec.Raw(b"null")


_BLOB = msgspec.json.Decoder(list[_Record])
_RAW_BLOB = msgspec.json.Decoder(list[msgspec.Raw])
_ONE = msgspec.json.Decoder(_Record)
_PROPERTIES = msgspec.json.Decoder(list[_Property] | None)


_ENTRY = {name: (f'"{name}"'.encode(), re.compile(rb'"Name"\s*:\s*' + re.escape(f'"{name}"'.encode())
                                                   + rb'\s*,\s*"Value"\s*:\s*"([^"\\]*)"'))
          for name in (APP_ID_PROPERTY, USER_ID_PROPERTY)}


_VALUE_AFTER_NAME = re.compile(rb'\s*,\s*"Value"\s*:\s*"([^"\\]*)"')
_NAME_BEFORE = re.compile(rb'"Name"\s*:\s*$')


def _property(raw, name):
    """The Value of the entry called `name` in a raw PropertyCollection ("" when absent)."""
    key, pattern = _ENTRY[name]
    at = raw.find(key)
    if at < 0:
        return ""
    # The usual layout ({"Name": key, "Value": "..."}) read where find() stopped: a regex search of the
    # whole collection cost a microsecond a record.
    found = _VALUE_AFTER_NAME.match(raw, at + len(key))
    if found and _NAME_BEFORE.search(raw, max(0, at - 16), at):
        return found.group(1).decode()
    found = pattern.search(raw)
    if found:
        return found.group(1).decode()
    entries = _PROPERTIES.decode(raw) or ()  # another order or spacing: decode it
    return next((str(entry.Value or "") for entry in entries if entry.Name == name), "")


parse_time = parse_service_time  # records._time: ISO 8601 with Z, an offset or no zone (UTC)


def _guid(value):
    if type(value) is str and len(value) == 36 and GUID.fullmatch(value):  # the usual: the GUID alone
        return value.lower()
    match = GUID.search(str(value or ""))
    return match.group(0).lower() if match else ""


def _launch(record):
    """The launch a record describes, in either shape (section 1.4), else None; "" app id: a launch without one."""
    if record.Operation != "LaunchPowerApp":
        return None
    raw = bytes(record.PropertyCollection)
    if record.RecordType == 256 or record.Workload == "PowerPlatform":  # A: the unified record
        app = _guid(_property(raw, APP_ID_PROPERTY))
    elif record.Workload == "PowerApps":  # B: the legacy PowerApps workload
        app = _guid(record.AppName)
    else:
        return None
    user = (record.UserKey or _property(raw, USER_ID_PROPERTY) or record.UserId or "").lower()
    time = record.CreationTime
    if time[-1:] == "Z" or "+" in time[10:] or "-" in time[10:]:  # a zone after all: written as UTC without one
        time = parse_time(time).astimezone(UTC).replace(tzinfo=None).isoformat()
    elif not time[:4].isdigit():
        raise ValueError(f"CreationTime {time!r}")
    return Launch(record.Id.lower(), app, user, time)


def parse_audit_blob(body, url=""):
    """(records in the blob, launches, launches without an app id, malformed records) from a blob's bytes."""
    try:
        records = _BLOB.decode(body)
        malformed = 0
    except msgspec.ValidationError:  # one odd record must not cost the blob: decode them one by one
        try:
            raws = _RAW_BLOB.decode(body)
        except msgspec.DecodeError:
            raise MalformedResponse("an audit blob that is not a JSON array", url) from None
        records, malformed = [], 0
        for raw in raws:
            try:
                records.append(_ONE.decode(raw))
            except msgspec.DecodeError:
                malformed += 1
    except msgspec.DecodeError:
        raise MalformedResponse("an audit blob that is not a JSON array", url) from None
    launches, without_app = [], 0
    for record in records:
        try:
            launch = _launch(record)
        except (ValueError, TypeError):
            malformed += 1
            continue
        if launch is None:
            continue
        if not launch.app_guid or not launch.record_id:
            without_app += 1
            continue
        launches.append(launch)
    return len(records) + malformed, launches, without_app, malformed


_OUTCOMES = {"Succeeded": True, "Success": True, "Failed": False, "Failure": False, "Running": None}


def _run_status(status):
    """True succeeded, False failed, None neither (running, cancelled); the usual spellings found without lower()."""
    if status in _OUTCOMES:
        return _OUTCOMES[status]
    status = (status or "").lower()
    return True if status in SUCCEEDED else False if status in FAILED else None


def _decode(decoder, body, url):
    try:
        return decoder.decode(body or b"")
    except msgspec.DecodeError as exc:
        raise MalformedResponse(f"a run page that is not the expected JSON: {exc}", url) from None


def _stamp(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class UsageCalls:
    """Usage reads, mixed into PowerPlatformClient (bases, transport, page, dataverse_org)."""

    # The Office 365 Management Activity API (section 1)

    def _feed(self, path):
        tenant = self.tenant_id
        joiner = "&" if "?" in path else "?"
        return f"{self.bases['manage']}/api/v1.0/{tenant}/activity/feed/{path}{joiner}PublisherIdentifier={tenant}"

    def audit_subscription_enabled(self):
        """Whether the tenant's Audit.General subscription is on (subscriptions/list, a bare array)."""
        body = self.transport.request("GET", self._feed("subscriptions/list"))
        if not isinstance(body, list):
            raise MalformedResponse("subscriptions/list without an array", self._feed("subscriptions/list"))
        return any(isinstance(sub, dict) and sub.get("contentType") == AUDIT_CONTENT_TYPE
                   and str(sub.get("status", "")).lower() == "enabled" for sub in body)

    def start_audit_subscription(self):
        """Start Audit.General; True when started now, False when it was on already (AF20024)."""
        try:
            self.transport.request("POST", self._feed(f"subscriptions/start?contentType={AUDIT_CONTENT_TYPE}"),
                                   body={})
        except ApiError as exc:
            if exc.code == "AF20024":
                return False
            raise
        return True

    def audit_content_url(self, start, end):
        """The listing of blobs made available in [start, end) (at most 24 hours, within 7 days: section 1.3)."""
        span = f"startTime={start.astimezone(UTC):%Y-%m-%dT%H:%M:%S}&endTime={end.astimezone(UTC):%Y-%m-%dT%H:%M:%S}"
        return self._feed(f"subscriptions/content?contentType={AUDIT_CONTENT_TYPE}&{span}")

    def audit_content_page(self, url):
        """([AuditContent], the next page's URL or None); the next page is the NextPageUri header, any casing."""
        headers = {}
        body = self.transport.request("GET", url, response_headers=headers)
        if not isinstance(body, list):
            raise MalformedResponse("a content listing that is not an array", url)
        contents = [AuditContent(item["contentId"], item["contentUri"], parse_time(item["contentCreated"]))
                    for item in body if isinstance(item, dict) and item.get("contentId") and item.get("contentUri")]
        next_url = next((value for name, value in headers.items() if name.lower() == "nextpageuri"), None)
        if next_url and "PublisherIdentifier=" not in next_url:
            next_url += f"&PublisherIdentifier={self.tenant_id}"
        return contents, next_url or None

    def audit_blob(self, uri):
        """The records of one blob: (records, [Launch], launches without an app id, malformed records)."""
        joiner = "&" if "?" in uri else "?"
        url = f"{uri}{joiner}PublisherIdentifier={self.tenant_id}" if "PublisherIdentifier=" not in uri else uri
        body = self.transport.request("GET", url, raw=True)
        return parse_audit_blob(body or b"[]", url)

    # Flow run history (section 2.1: one flow at a time; section 2.2: a Dataverse org's flowruns table)

    def flow_runs_url(self, env_id, flow_id, since):
        return (f"{self.bases['flow']}/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env_id}"
                f"/flows/{flow_id}/runs?api-version=2016-11-01&$top={RUN_PAGE_SIZE}"
                f"&$filter={quote(f'startTime ge {_stamp(since)}', safe='')}")

    def flow_run_page(self, url):
        """One page of a flow's runs, newest first (runs without a start time are left out)."""
        page = _decode(_FLOW_RUNS, self.transport.request("GET", url, raw=True), url)
        return RunPage([("", run.properties.startTime, _run_status(run.properties.status))
                        for run in page.value if run.properties and run.properties.startTime], page.nextLink)

    def dataverse_runs_url(self, dataverse_url, since, until):
        base = self.dataverse_org(dataverse_url)
        where = f"starttime ge {_stamp(since)} and starttime lt {_stamp(until)}"
        return f"{base}/api/data/v9.2/flowruns?$select=name,workflowid,status,starttime&$filter={quote(where, safe='')}"

    def dataverse_run_page(self, url):
        page = _decode(_DATAVERSE_RUNS, self.transport.request("GET", url, raw=True, headers=DATAVERSE_PAGE), url)
        return RunPage([(run.workflowid.lower(), run.starttime, _run_status(run.status))
                        for run in page.value if run.workflowid and run.starttime], page.next_link)

    def run_ingestion_gaps(self, dataverse_url, since):
        """The flowevent rows that say runs were not recorded (section 2.2), as their event codes."""
        base = self.dataverse_org(dataverse_url)
        where = quote(f"eventtype eq 'FlowRunIngestion' and createdon ge {_stamp(since)}", safe="")
        url = f"{base}/api/data/v9.2/flowevents?$select=eventcode,createdon&$filter={where}"
        return [str(row.get("eventcode") or "FlowRunIngestion") for page in self.transport.pages(url) for row in page]

    def workflow_flow_ids(self, dataverse_url, workflow_ids):
        """{Dataverse workflow id: the flow's name in the Flow API} (workflow.resourceid, section 2.2).

        Kept per process: every page of an org's runs names the same few workflows again.
        """
        base = self.dataverse_org(dataverse_url)
        known = self._workflow_names.setdefault(base, {})
        found = {wid: known[wid] for wid in workflow_ids if wid in known}
        ids = sorted(set(workflow_ids) - set(found))
        for start in range(0, len(ids), 50):
            where = quote(" or ".join(f"workflowid eq {value}" for value in ids[start:start + 50]), safe="")
            url = f"{base}/api/data/v9.2/workflows?$select=workflowid,resourceid&$filter={where}"
            for page in self.transport.pages(url):
                rows = {str(row["workflowid"]).lower(): str(row.get("resourceid") or "").lower()
                        for row in page if row.get("workflowid")}
                found.update(rows)
                known.update(rows)
        return found

    # Copilot Studio conversations (section 4)

    def transcripts_url(self, dataverse_url, since):
        base = self.dataverse_org(dataverse_url)
        return (f"{base}/api/data/v9.2/conversationtranscripts?$select=conversationtranscriptid,conversationstarttime,"
                f"_bot_conversationtranscriptid_value"
                f"&$filter={quote(f'conversationstarttime ge {_stamp(since)}', safe='')}")

    def transcript_page(self, url):
        return self.page(url, lambda item, _: (str(item["_bot_conversationtranscriptid_value"]).lower(),
                                               parse_time(item["conversationstarttime"])), headers=DATAVERSE_PAGE)

    # Power Platform Advisor (section 3): scenario ids are discovered, never assumed

    def advisor_scenarios(self):
        url = f"{self.bases['ppapi']}/analytics/advisorRecommendations/scenarios?api-version={ADVISOR_VERSION}"
        body = self.transport.request("GET", url)
        if not isinstance(body, list):
            raise MalformedResponse("advisor scenarios that are not an array", url)
        return [str(item["scenario"]) for item in body if isinstance(item, dict) and item.get("scenario")]

    def advisor_resources(self, scenario):
        """Every resource of a recommendation, following nextLink."""
        url = (f"{self.bases['ppapi']}/analytics/advisorRecommendations/{quote(scenario, safe='')}/resources"
               f"?api-version={ADVISOR_VERSION}")
        return [item for page in self.transport.pages(url) for item in page if isinstance(item, dict)]
