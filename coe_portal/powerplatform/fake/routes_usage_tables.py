"""Dataverse usage tables: `flowruns`, `flowevents`, `conversationtranscripts` (usage-apis.md §2.2, §4, §7.8).

`flowruns` is an elastic table: 500 rows a page unless `Prefer: odata.maxpagesize` says otherwise,
`@odata.nextLink`, rows only for solution-aware flows (a `workflow_id`), pruned after the TTL (28 days).
Rows are computed per flow on demand; a page token is (flow, offset), so paging never counts the table.
"""

import re
import uuid
from functools import partial

import numpy as np

from .common import error, next_link
from .render import dumps
from .routes_dataverse import ORG, PAGE_SIZE
from .routes_manage import parse_time
from .server import Response
from .usage_hash import guid, guids
from .usage_records import creation_time, creation_times
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
    selected = [name.strip() for name in request.query.get("$select", "").split(",") if name.strip()]
    if table == "flowruns":  # the rows are made with the selected columns only
        segments, selected = flow_segments(ctx, env, clauses, set(selected)), []
    else:
        segments = {"conversationtranscripts": transcript_segments, "flowevents": event_segments}[table](
            ctx, env, clauses)
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


def flow_segments(ctx, env, clauses, selected=()):
    """[(workflow id, rows(offset, limit))], one per solution-aware flow (§2.2), with the `selected` columns."""
    usage, now = ctx.tenant.usage, ctx.tenant.timestamp()
    low, high = window(clauses, "starttime", now - usage.options.run_retention_days * 86400, now + 1)
    wanted = equals(clauses, "workflowid") or equals(clauses, "_workflow_value")
    status = [(operator, value) for name, operator, value in clauses if name == "status"]
    lost = lost_day(usage, env)
    flows = [flow for flow in env.flows if flow.workflow_id and not flow.removed
             and not (wanted and flow.workflow_id.lower() != wanted)]
    return _Segments(flows, partial(_flow_rows, usage, env, low=low, high=high, status=status, lost=lost,
                                    selected=selected))


class _Segments:
    """The flows' segments, made when a page reaches them (a big org has thousands; a page reads a few)."""

    def __init__(self, flows, rows):
        self.flows, self.rows = flows, rows

    def __len__(self):
        return len(self.flows)

    def __getitem__(self, index):
        flow = self.flows[index]
        return flow.workflow_id, partial(self.rows, flow)

    def __iter__(self):
        return (self[index] for index in range(len(self)))


def _flow_rows(usage, env, flow, offset, limit, *, low, high, status, lost, selected):
    if not status and (lost is None or lost[0] is not flow):  # no filter: only the runs of the page are made
        runs = usage.runs(flow, low, high, skip=offset, take=limit)
        return _run_rows(usage, flow, runs, np.arange(len(runs)), selected)
    runs = usage.runs(flow, low, high)
    keep = np.ones(len(runs), dtype=bool)
    if lost is not None and lost[0] is flow:
        keep &= (runs.start < lost[1]) | (runs.start >= lost[1] + 86400)
    names = usage.options.flowrun_statuses
    for operator, value in status:
        matches = np.array([name == value for name in names])[runs.status]
        keep &= matches if operator == "eq" else ~matches
    picked = np.flatnonzero(keep)[offset:None if limit is None else offset + limit]
    return _run_rows(usage, flow, runs, picked, selected)


def _run_rows(usage, flow, runs, picked, selected):
    """The rows of the runs at `picked`, a column at a time (numpy for the per-run ones); only the `selected`
    columns (and the etag) are made when the query names them."""
    started = runs.start[picked]
    seconds = runs.duration[picked]
    failed = (runs.status[picked] == FAILED).tolist()
    ended = _dv_times(started + seconds)
    owner = str(uuid.uuid5(uuid.NAMESPACE_OID, flow.creator.oid))
    ttl = usage.options.run_retention_days * 86400
    scale = 1000 if usage.options.flowrun_duration == "milliseconds" else 1
    every = len(picked)
    columns = {
        "@odata.etag": lambda: [f'W/"{int(second)}"' for second in started.tolist()],
        "flowrunid": lambda: guids(runs.hashes[picked]),
        "name": lambda: runs.names(picked),
        "workflowid": lambda: [flow.workflow_id] * every,
        "_workflow_value": lambda: [flow.workflow_id] * every,
        "resourceid": lambda: [flow.name] * every,
        "workflowname": lambda: [flow.display_name] * every,
        "status": lambda: [usage.options.flowrun_statuses[code] for code in runs.status[picked].tolist()],
        "starttime": lambda: _dv_times(started),
        "endtime": lambda: ended,
        "duration": lambda: (seconds * scale).astype(np.int64).tolist(),
        "triggertype": lambda: [TRIGGER_TYPES.get(flow.trigger, "Automated")] * every,
        "errorcode": lambda: ["ActionFailed" if fail else None for fail in failed],
        "errormessage": lambda: ["An action failed. No dependent actions succeeded." if fail else None
                                 for fail in failed],
        "isprimary": lambda: [1] * every,
        "parentrunid": lambda: [None] * every,
        "partitionid": lambda: [flow.creator.oid] * every,
        "ttlinseconds": lambda: [ttl] * every,
        "_ownerid_value": lambda: [owner] * every,
        "createdon": lambda: ended,
        "modifiedon": lambda: ended,
        "modernflowtype": lambda: [0] * every,
    }
    names = [name for name in columns if not selected or name in selected or name == "@odata.etag"]
    values = [columns[name]() for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _dv_times(timestamps):
    """dv_time of each of an array of epoch seconds."""
    return [f"{text}Z" for text in creation_times(timestamps)]


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
