"""Dataverse usage tables: `flowruns`, `flowevents`, `conversationtranscripts` (usage-apis.md §2.2, §4, §7.8).

`flowruns` is an elastic table: 500 rows a page unless `Prefer: odata.maxpagesize` says otherwise,
`@odata.nextLink`, rows only for solution-aware flows (a `workflow_id`), pruned after the TTL (28 days).
Rows are computed per flow on demand; a page token is (flow, offset), so paging never counts the table.
"""

import re
import uuid
from functools import partial

from .common import error, next_link
from .render import dumps
from .routes_dataverse import ORG, PAGE_SIZE
from .routes_manage import parse_time
from .server import Response
from .usage_hash import guid
from .usage_records import creation_time
from .usage_runs import FAILED

__all__ = ["routes"]

CLAUSE = re.compile(r"^\s*([A-Za-z_]+)\s+(eq|ne|ge|gt|le|lt)\s+(?:'((?:[^']|'')*)'|([^\s)]+))\s*$", re.IGNORECASE)
COLUMNS = {"flowruns": {"starttime", "workflowid", "_workflow_value", "status"},
           "conversationtranscripts": {"conversationstarttime", "_bot_conversationtranscriptid_value"},
           "flowevents": {"eventtype", "eventcode", "createdon"}}
DEFAULT_PAGE, MAX_PAGE = 500, 5000  # §2.2: elastic tables page 500 rows without top (D13)
TRIGGER_TYPES = {"recurrence": "Scheduled", "connector": "Automated", "http": "Manual", "button": "Manual"}
STRIDE = 1 << 24


def routes(ctx):
    """(method, pattern, view, needs api-version) added to the Dataverse server."""
    return [("GET", ORG + r"/(?P<table>flowruns|flowevents|conversationtranscripts)", partial(list_rows, ctx), False)]


def dv_time(seconds):
    """A Dataverse datetime: UTC, whole seconds, Z."""
    return creation_time(seconds) + "Z"


def parse_filter(table, text):
    """[(column, operator, value)] joined by `and`; None for what this table does not take."""
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE) if text.strip() else []:
        found = CLAUSE.match(part)
        if not found or found.group(1).lower() not in COLUMNS[table]:
            return None
        column, operator = found.group(1).lower(), found.group(2).lower()
        value = found.group(3).replace("''", "'") if found.group(3) is not None else found.group(4)
        if column.endswith("time") or column == "createdon":
            value = parse_time(value)
            if value is None:
                return None
        clauses.append((column, operator, value))
    return clauses


def window(clauses, column, low, high):
    """Narrow [low, high) by the time clauses on `column`."""
    for name, operator, value in clauses:
        if name == column:
            if operator in ("ge", "gt"):
                low = max(low, value + (0.001 if operator == "gt" else 0))
            elif operator in ("lt", "le"):
                high = min(high, value + (0.001 if operator == "le" else 0))
    return low, high


def equals(clauses, column):
    values = [str(value).lower() for name, operator, value in clauses if name == column and operator == "eq"]
    return values[0] if values else None


def list_rows(ctx, request, org, table):
    """GET a usage table page by page."""
    env = next((e for e in ctx.tenant.environments if e.dataverse and e.dataverse["domainName"] == org.lower()), None)
    if env is None:
        return error(404, "0x80040217", f"The organization '{org}' does not exist.")
    usage = ctx.tenant.usage
    failure = usage.failure("dataverse")
    if failure is not None:
        return failure
    if "$apply" in request.query and (table != "flowruns" or not usage.options.flowruns_apply):
        # §2.2: aggregates on flowruns are unverified; by default the fake refuses them (configurable).
        return error(400, "0x80040203", "The $apply query option is not supported on this elastic table.")
    clauses = parse_filter(table, request.query.get("$filter", ""))
    if clauses is None:
        return error(400, "0x80060888", f"The query '$filter={request.query.get('$filter')}' is not supported.")
    segments = {"flowruns": flow_segments, "conversationtranscripts": transcript_segments,
                "flowevents": event_segments}[table](ctx, env, clauses)
    if "$apply" in request.query:
        return _answer(request, org, table, [{"workflowid": key, "n": len(rows(0, None))} for key, rows in segments],
                       None)
    kind = f"usage:{org}:{table}:{request.query.get('$filter', '')}"
    position = ctx.codec.decode(kind, request.query.get("$skiptoken"))
    if position is None:
        return error(400, "0x80060888", "The $skiptoken is invalid.")
    wanted = PAGE_SIZE.search(request.headers.get("Prefer") or "")
    size = max(1, min(int(wanted.group(1)) if wanted else DEFAULT_PAGE, MAX_PAGE))
    segment, offset = divmod(position, STRIDE)
    chosen, following = [], None
    while segment < len(segments) and len(chosen) < size:
        rows = segments[segment][1](offset, size - len(chosen) + 1)
        room = size - len(chosen)
        chosen += rows[:room]
        if len(rows) > room:
            following = segment * STRIDE + offset + room
            break
        segment, offset = segment + 1, 0
    if following is None and segment < len(segments) and len(chosen) == size:
        following = segment * STRIDE + offset
    selected = [name.strip() for name in request.query.get("$select", "").split(",") if name.strip()]
    if selected:
        chosen = [{k: v for k, v in row.items() if k in selected or k == "@odata.etag"} for row in chosen]
    link = next_link(request, ctx.codec.encode(kind, following)) if following is not None else None
    return _answer(request, org, table, chosen, link, {"Preference-Applied": f"odata.maxpagesize={size}"} if wanted
                   else {})


def _answer(request, org, table, rows, link, headers=None):
    body = {"@odata.context": f"{request.base_url}/{org}/api/data/v9.2/$metadata#{table}", "value": rows}
    if link:
        body["@odata.nextLink"] = link
    return Response(200, dumps(body), headers, content_type="application/json; odata.metadata=minimal")


def lost_day(usage, env):
    """With `ingestion_loss`: (the busiest solution flow, the day its runs were dropped), else None (§2.2)."""
    if not usage.options.ingestion_loss:
        return None
    flows = [flow for flow in env.flows if flow.workflow_id and not flow.removed and usage.schedule(flow).every]
    if not flows:
        return None
    busiest = min(flows, key=lambda flow: (usage.schedule(flow).every, flow.seq))
    return busiest, (int(usage.tenant.timestamp() // 86400) - 3) * 86400


def flow_segments(ctx, env, clauses):
    """[(workflow id, rows(offset, limit))], one per solution-aware flow (§2.2)."""
    usage, now = ctx.tenant.usage, ctx.tenant.timestamp()
    low, high = window(clauses, "starttime", now - usage.options.run_retention_days * 86400, now + 1)
    wanted = equals(clauses, "workflowid") or equals(clauses, "_workflow_value")
    status = [(operator, value) for name, operator, value in clauses if name == "status"]
    lost = lost_day(usage, env)
    segments = []
    for flow in env.flows:
        if not flow.workflow_id or flow.removed or (wanted and flow.workflow_id.lower() != wanted):
            continue
        segments.append((flow.workflow_id, partial(_flow_rows, usage, env, flow, low, high, status, lost)))
    return segments


def _flow_rows(usage, env, flow, low, high, status, lost, offset, limit):
    runs = usage.runs(flow, low, high)
    names = usage.options.flowrun_statuses
    positions = range(len(runs))
    if lost is not None and lost[0] is flow:
        positions = [p for p in positions if not lost[1] <= runs.start[p] < lost[1] + 86400]
    for operator, value in status:
        positions = [p for p in positions if (names[runs.status[p]] == value) == (operator == "eq")]
    picked = list(positions)[offset:None if limit is None else offset + limit]
    return [_run_row(usage, flow, runs, p) for p in picked]


def _run_row(usage, flow, runs, position):
    started, seconds = float(runs.start[position]), float(runs.duration[position])
    status = int(runs.status[position])
    failed = status == FAILED
    owner = str(uuid.uuid5(uuid.NAMESPACE_OID, flow.creator.oid))
    ended = dv_time(started + seconds)
    duration = int(seconds * 1000) if usage.options.flowrun_duration == "milliseconds" else int(seconds)
    return {"@odata.etag": f'W/"{int(started)}"', "flowrunid": guid(int(runs.hashes[position])),
            "name": runs.name(position), "workflowid": flow.workflow_id, "_workflow_value": flow.workflow_id,
            "resourceid": flow.name, "workflowname": flow.display_name,
            "status": usage.options.flowrun_statuses[status], "starttime": dv_time(started), "endtime": ended,
            "duration": duration, "triggertype": TRIGGER_TYPES.get(flow.trigger, "Automated"),
            "errorcode": "ActionFailed" if failed else None,
            "errormessage": "An action failed. No dependent actions succeeded." if failed else None,
            "isprimary": 1, "parentrunid": None, "partitionid": flow.creator.oid,
            "ttlinseconds": usage.options.run_retention_days * 86400, "_ownerid_value": owner,
            "createdon": ended, "modifiedon": ended, "modernflowtype": 0}


def transcript_segments(ctx, env, clauses):
    """[(bot id, rows(offset, limit))], one per bot of the environment (§4); 30 days kept."""
    usage, now = ctx.tenant.usage, ctx.tenant.timestamp()
    low, high = window(clauses, "conversationstarttime", now - usage.options.transcript_retention_days * 86400,
                       now + 1)
    wanted = equals(clauses, "_bot_conversationtranscriptid_value")
    bots = [bot for bot in env.tables.get("bots", []) if not bot.removed and (not wanted or bot.row_id == wanted)]

    def rows(bot, offset, limit):
        times, hashes = usage.transcripts(bot, low, high)
        end = None if limit is None else offset + limit
        return [{"@odata.etag": f'W/"{int(when)}"', "conversationtranscriptid": guid(int(key)),
                 "name": f"{bot.row_id}_{guid(int(key) ^ 1)}", "conversationstarttime": dv_time(when),
                 "_bot_conversationtranscriptid_value": bot.row_id, "schematype": "powervirtualagents",
                 "createdon": dv_time(when + 900), "statecode": 0}
                for when, key in zip(times[offset:end], hashes[offset:end], strict=True)]

    return [(bot.row_id, partial(rows, bot)) for bot in bots]


def event_segments(ctx, env, clauses):
    """The `flowevent` rows: one FlowRunIngestion gap row when runs were dropped (§2.2, D7)."""
    lost = lost_day(ctx.tenant.usage, env)
    rows = []
    if lost is not None:
        flow, day = lost
        rows.append({"@odata.etag": f'W/"{int(day)}"', "floweventid": guid(hash_of(flow.workflow_id)),
                     "eventtype": "FlowRunIngestion", "eventcode": "IngestionRateDataLoss",
                     "parentobjectid": flow.workflow_id, "createdon": dv_time(day + 86400)})
    low, high = window(clauses, "createdon", float("-inf"), float("inf"))
    rows = [row for row in rows if low <= day + 86400 < high and all(
        (str(row.get(column, "")).lower() == str(value).lower()) == (operator == "eq")
        for column, operator, value in clauses if column != "createdon")]
    return [("events", lambda offset, limit: rows[offset:None if limit is None else offset + limit])]


def hash_of(text):
    return int(uuid.UUID(text)) & 0xFFFFFFFFFFFFFFFF
