"""Flow run history on api.flow.microsoft.com (usage-apis.md §2.1, §7.7).

Admin path `…/scopes/admin/environments/{env}/flows/{flow}/runs`: `$filter` clauses joined by ` and `
(`status eq 'Failed'`, `startTime ge|lt` with unquoted datetimes), `$top`, newest first, `nextLink` with
an opaque `$skiptoken`. The maker path (no `scopes/admin/`) refuses an app-only token. Trigger
`inputsLink` / `outputsLink` are SAS URLs: served without a bearer token, and they expire.
"""

import hashlib
import json
import re
from functools import partial

import numpy as np

from .common import error, next_link
from .render import dumps
from .routes_flow import missing_flow
from .routes_manage import parse_time
from .routes_packages import PUBLIC
from .server import Response
from .usage_records import creation_times
from .usage_runs import CANCELLED, FAILED, STATUSES

__all__ = ["render_runs", "routes"]

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
    runs = usage.runs(found, low, high, newest=top + 1 if status is None else None)
    if status is None:  # newest first: the last top + 1 runs of the window
        positions = list(range(len(runs) - 1, max(-1, len(runs) - 2 - top), -1))
    else:
        wanted = STATUSES.index(status) if status in STATUSES else -1
        positions = [int(p) for p in (runs.status == wanted).nonzero()[0][::-1][:top + 1]]
    chosen = positions[:top]
    expiry = int(tenant.timestamp() + LINK_LIFETIME)
    items = render_runs(ctx, request, environment, found, runs, chosen, expiry)
    link = (',"nextLink":' + json.dumps(next_link(request, ctx.codec.encode(kind, int(runs.start[chosen[-1]] * 1000))))
            if len(positions) > top else "")
    return Response(200, f'{{"value":[{items}]{link}}}')


def _signatures(secret, env, flow, run, expiry):
    """The (inputs, outputs) link signatures of one run: one digest, halved (the fake's own SAS scheme)."""
    digest = hashlib.blake2s(f"{secret}|{env}|{flow}|{run}|{expiry}".encode()).hexdigest()
    return digest[:32], digest[32:]


def _iso_texts(timestamps):
    """render.iso of each of an array of epoch seconds (seven decimals, truncated), formatted by numpy."""
    whole = np.floor(timestamps)
    fractions = ((timestamps - whole) * 1e7).astype(np.int64).tolist()
    seconds = creation_times(whole)
    return [f"{second}.{fraction:07d}Z" for second, fraction in zip(seconds, fractions, strict=False)]


CODES = {FAILED: "ActionFailed", CANCELLED: "Cancelled"}
ERROR = ',"error":{"code":"ActionFailed","message":"An action failed. No dependent actions succeeded."}'


def render_runs(ctx, request, env, flow, runs, positions, expiry=None):
    """Runs as §2.1's example shows them (C7, C9), as JSON text; failed runs carry `error` (unverified).

    Written as text, not dicts through json: the first read of a tenant's history is millions of runs.
    Every value is generated (ids, names, times, numbers), none needs escaping; what is the same for every
    run of the page is formatted once.
    """
    expiry = expiry or int(ctx.tenant.timestamp() + LINK_LIFETIME)
    secret = ctx.codec.secret.decode()
    run_id = f"/providers/Microsoft.ProcessSimple/environments/{env.name}/flows/{flow.name}/runs/"
    link = f'{{"uri":"{request.base_url}/runlinks/{env.name}/{flow.name}/'
    query = f"?api-version=2016-06-01&se={expiry}&sp=%2Fruns%2F"
    trigger_name = TRIGGERS.get(flow.trigger, "manual")
    recurrence = flow.trigger == "recurrence"
    statuses = [f'"status":"{status}","code":"{CODES.get(code, "OK")}"' for code, status in enumerate(STATUSES)]
    positions = np.asarray(positions, dtype=np.int64)
    started = runs.start[positions]
    starts, ends = _iso_texts(started), _iso_texts(started + runs.duration[positions])
    trigger_ends = _iso_texts(started + 0.4)
    rows = zip(runs.names(positions), runs.status[positions].tolist(), runs.hashes[positions].tolist(),
               starts, ends, trigger_ends, strict=False)
    items = []
    for name, status, seed, start_text, end_text, trigger_end in rows:
        inputs_sig, outputs_sig = _signatures(secret, env.name, flow.name, name, expiry)
        scheduled = f',"scheduledTime":"{start_text}"' if recurrence else ""
        content = f"{seed:032x}"
        inputs = (f'{link}{name}/inputs{query}{name}%2Ftrigger%2Finputs%2Fread&sv=1.0&sig={inputs_sig}",'
                  f'"contentVersion":"{content[-24:]}","contentSize":{200 + seed % 2000},'
                  f'"contentHash":{{"algorithm":"md5","value":"{content[-32:]}"}}}}')
        outputs = (f'{link}{name}/outputs{query}{name}%2Ftrigger%2Foutputs%2Fread&sv=1.0&sig={outputs_sig}",'
                   f'"contentVersion":"{content[-25:-1]}","contentSize":{200 + (seed >> 3) % 2000},'
                   f'"contentHash":{{"algorithm":"md5","value":"{content[:32]}"}}}}')
        items.append(
            f'{{"name":"{name}","id":"{run_id}{name}","type":"Microsoft.ProcessSimple/environments/flows/runs",'
            f'"properties":{{"startTime":"{start_text}","endTime":"{end_text}",'
            f'{statuses[status]},"correlation":{{"clientTrackingId":"{seed % 10**20:020d}CU{seed % 89:02d}"}},'
            f'"trigger":{{"name":"{trigger_name}","startTime":"{start_text}","endTime":"{trigger_end}"'
            f'{scheduled},"originHistoryName":"{name}","code":"OK","status":"Succeeded","inputsLink":{inputs},'
            f'"outputsLink":{outputs}}}{ERROR if status == FAILED else ""}}}}}')
    return ",".join(items)


def run_link(ctx, request, env, flow, run, which):
    """GET a trigger's inputs or outputs by its SAS link: no bearer token; refused once expired (§2.1)."""
    try:
        expiry = int(request.query.get("se", ""))
    except ValueError:
        expiry = 0
    if request.query.get("sig") != _signatures(ctx.codec.secret.decode(), env, flow, run, expiry)[which == "outputs"]:
        return error(403, "AuthorizationFailed", "The provided signature is not valid.")
    if expiry <= ctx.tenant.timestamp():
        return error(403, "AuthorizationFailed", "The SAS token has expired.")
    body = {"headers": {"Content-Type": "application/json"}, "body": {"runName": run}} if which == "outputs" else {
        "headers": {"Accept": "*/*"}, "queries": {}}
    return Response(200, dumps(body))
