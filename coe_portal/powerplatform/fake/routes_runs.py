"""Flow run history on api.flow.microsoft.com (usage-apis.md §2.1, §7.7).

Admin path `…/scopes/admin/environments/{env}/flows/{flow}/runs`: `$filter` clauses joined by ` and `
(`status eq 'Failed'`, `startTime ge|lt` with unquoted datetimes), `$top`, newest first, `nextLink` with
an opaque `$skiptoken`. The maker path (no `scopes/admin/`) refuses an app-only token. Trigger
`inputsLink` / `outputsLink` are SAS URLs: served without a bearer token, and they expire.
"""

import hashlib
import json
import re
import time
from functools import partial

from .common import error, next_link
from .render import dumps
from .routes_flow import missing_flow
from .routes_manage import parse_time
from .routes_packages import PUBLIC
from .server import Response
from .usage_runs import CANCELLED, FAILED, STATUSES

__all__ = ["routes", "run_item"]

ADMIN = r"(?i)/providers/Microsoft\.ProcessSimple/scopes/admin/environments/(?P<env>[^/]+)/flows/(?P<flow>[^/]+)/runs"
MAKER = r"(?i)/providers/Microsoft\.ProcessSimple/environments/(?P<env>[^/]+)/flows/(?P<flow>[^/]+)/runs"
LINK = r"/runlinks/(?P<env>[^/]+)/(?P<flow>[^/]+)/(?P<run>[^/]+)/(?P<which>inputs|outputs)"
CLAUSE = re.compile(r"^\s*(status|starttime)\s+(eq|ge|gt|le|lt)\s+'?([^']+?)'?\s*$", re.IGNORECASE)
# The page size's default and maximum are unverified (§2.1, §8): clients use 1-100.
DEFAULT_TOP, MAX_TOP = 50, 250
LINK_LIFETIME = 3600.0
TRIGGERS = {"recurrence": "Recurrence", "connector": "When_an_item_is_created", "http": "manual",
            "button": "manual"}


def routes(ctx):
    """(method, pattern, view, needs api-version) added to the Flow server."""
    return [("GET", ADMIN, partial(list_runs, ctx), True), ("GET", MAKER, partial(maker_runs, ctx), True),
            ("GET", LINK, partial(run_link, ctx), PUBLIC)]


def maker_runs(ctx, request, env, flow):
    """The maker path needs a user's token; an app-only one is refused (§2.1, issues #1048, #3894)."""
    if "scp" not in request.claims:
        # The error code is not quoted by the sources; the message is.
        return error(403, "ClientScopeAuthorizationFailed", "The x-ms-client-scope header must not be null or empty.")
    return list_runs(ctx, request, env, flow)


def parse_filter(text):
    """[(field, operator, value)] from `$filter`; None if a clause is not one the service takes (§2.1)."""
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE) if text.strip() else []:
        found = CLAUSE.match(part)
        if not found:
            return None
        field, operator, value = found.group(1).lower(), found.group(2).lower(), found.group(3)
        if field == "starttime":
            value = parse_time(value)
            if value is None or operator == "eq":
                return None
        elif operator != "eq" or value not in STATUSES + ("Running",):
            return None
        clauses.append((field, operator, value))
    return clauses


def list_runs(ctx, request, env, flow):
    """GET a flow's runs, newest first, within the retention window (§2.1)."""
    tenant, usage = ctx.tenant, ctx.tenant.usage
    environment = tenant.environment(env)
    if environment is None:
        return ctx.denied(env)
    found = tenant.flow(environment, flow)
    if found is None:
        return missing_flow(ctx, request, flow)
    failure = usage.failure("runs")
    if failure is not None:
        return failure
    clauses = parse_filter(request.query.get("$filter", ""))
    if clauses is None:
        return error(400, "InvalidFilter", f"The filter '{request.query.get('$filter')}' is not supported.")
    now = tenant.timestamp()
    low, high, status = now - usage.options.run_retention_days * 86400, now + 1, None
    for field, operator, value in clauses:
        if field == "status":
            status = value
        elif operator in ("ge", "gt"):
            low = max(low, value + (0.001 if operator == "gt" else 0))
        else:
            high = min(high, value + (0.001 if operator == "le" else 0))
    try:
        top = max(1, min(int(request.query.get("$top") or DEFAULT_TOP), MAX_TOP))
    except ValueError:
        return error(400, "InvalidQueryParameter", "The value of $top must be an integer.")
    kind = f"runs:{found.name}:{request.query.get('$filter', '')}"
    boundary = ctx.codec.decode(kind, request.query.get("$skiptoken"))
    if boundary is None:
        return error(400, "InvalidSkipToken", "The skip token in the request is invalid.")
    if boundary:
        high = min(high, boundary / 1000)
    runs = usage.runs(found, low, high)
    if status is None:  # newest first: the last top + 1 runs of the window
        positions = list(range(len(runs) - 1, max(-1, len(runs) - 2 - top), -1))
    else:
        wanted = STATUSES.index(status) if status in STATUSES else -1
        positions = [int(p) for p in (runs.status == wanted).nonzero()[0][::-1][:top + 1]]
    chosen = positions[:top]
    expiry = int(tenant.timestamp() + LINK_LIFETIME)
    items = ",".join(run_item(ctx, request, environment, found, runs, position, expiry) for position in chosen)
    link = (',"nextLink":' + json.dumps(next_link(request, ctx.codec.encode(kind, int(runs.start[chosen[-1]] * 1000))))
            if len(positions) > top else "")
    return Response(200, f'{{"value":[{items}]{link}}}')


def _signature(ctx, env, flow, run, which, expiry):
    text = f"{ctx.codec.secret.decode()}|{env}|{flow}|{run}|{which}|{expiry}"
    return hashlib.blake2s(text.encode(), digest_size=16).hexdigest()


_DAYS = {}


def _iso(timestamp):
    """render.iso, a day's date formatted once: a page of runs formats thousands of times."""
    whole = int(timestamp)
    day, second = divmod(whole, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * 86400))
    hour, rest = divmod(second, 3600)
    return f"{prefix}{hour:02d}:{rest // 60:02d}:{rest % 60:02d}.{int((timestamp - whole) * 1e7):07d}Z"


def _link(ctx, request, env, flow, run, which, seed, expiry):
    signature = _signature(ctx, env.name, flow.name, run, which, expiry)
    # The hash's value is opaque to a client (and would cost the fake a digest per link): the seed stands in.
    return (f'{{"uri":"{request.base_url}/runlinks/{env.name}/{flow.name}/{run}/{which}?api-version=2016-06-01'
            f'&se={expiry}&sp=%2Fruns%2F{run}%2Ftrigger%2F{which}%2Fread&sv=1.0&sig={signature}",'
            f'"contentVersion":"{f"{seed:x}"[:24]}","contentSize":{200 + seed % 2000},'
            f'"contentHash":{{"algorithm":"md5","value":"{f"{seed:032x}"[-32:]}"}}}}')


CODES = {FAILED: "ActionFailed", CANCELLED: "Cancelled"}
ERROR = ',"error":{"code":"ActionFailed","message":"An action failed. No dependent actions succeeded."}'


def run_item(ctx, request, env, flow, runs, position, expiry=None):
    """One run as §2.1's example shows it (C7, C9), as JSON text; failed runs carry `error` (unverified).

    Written as text, not dicts through json: the first read of a tenant's history is millions of runs.
    Every value is generated (ids, names, times, numbers), none needs escaping.
    """
    name, started = runs.name(position), float(runs.start[position])
    ended, status = started + float(runs.duration[position]), int(runs.status[position])
    seed = int(runs.hashes[position])
    expiry = expiry or int(ctx.tenant.timestamp() + LINK_LIFETIME)
    start_text = _iso(started)
    scheduled = f',"scheduledTime":"{start_text}"' if flow.trigger == "recurrence" else ""
    trigger = (f'{{"name":"{TRIGGERS.get(flow.trigger, "manual")}","startTime":"{start_text}",'
               f'"endTime":"{_iso(started + 0.4)}"{scheduled},"originHistoryName":"{name}","code":"OK",'
               f'"status":"Succeeded","inputsLink":{_link(ctx, request, env, flow, name, "inputs", seed, expiry)},'
               f'"outputsLink":{_link(ctx, request, env, flow, name, "outputs", seed >> 3, expiry)}}}')
    return (f'{{"name":"{name}","id":"/providers/Microsoft.ProcessSimple/environments/{env.name}/flows/{flow.name}'
            f'/runs/{name}","type":"Microsoft.ProcessSimple/environments/flows/runs","properties":{{'
            f'"startTime":"{start_text}","endTime":"{_iso(ended)}","status":"{STATUSES[status]}",'
            f'"code":"{CODES.get(status, "OK")}","correlation":{{"clientTrackingId":'
            f'"{seed % 10**20:020d}CU{seed % 89:02d}"}},"trigger":{trigger}{ERROR if status == FAILED else ""}}}}}')


def run_link(ctx, request, env, flow, run, which):
    """GET a trigger's inputs or outputs by its SAS link: no bearer token; refused once expired (§2.1)."""
    try:
        expiry = int(request.query.get("se", ""))
    except ValueError:
        expiry = 0
    if request.query.get("sig") != _signature(ctx, env, flow, run, which, expiry):
        return error(403, "AuthorizationFailed", "The provided signature is not valid.")
    if expiry <= ctx.tenant.timestamp():
        return error(403, "AuthorizationFailed", "The SAS token has expired.")
    body = {"headers": {"Content-Type": "application/json"}, "body": {"runName": run}} if which == "outputs" else {
        "headers": {"Accept": "*/*"}, "queries": {}}
    return Response(200, dumps(body))
