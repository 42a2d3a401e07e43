"""Power Platform API (api.powerplatform.com): Advisor and Power Automate flowRuns (usage-apis.md §2.3, §3, §7.9).

Advisor analyses managed environments only: resources are apps of managed environments, with
`lastAccessedDate` and `resourceUsage` (distinct users in 30 days) taken from the generated launches.
Scenario ids are not documented (§3); the fake's are invented and must be discovered from `/scenarios`.
"""

import math
import uuid
from functools import partial
from urllib.parse import quote, unquote

from .common import error
from .render import dumps, iso
from .routes_usage_tables import lost_day
from .server import Response
from .usage_hash import guid

__all__ = ["SCENARIOS", "routes"]

ADVISOR = r"/analytics/advisorRecommendations"
SCENARIOS = {  # invented ids (§3: undocumented); the titles are D11's
    "UnusedApps": "Maintain tenant hygiene by cleaning up unused apps",
    "AppsWithIneligibleOwner": "Assign valid owners to apps to mitigate business continuity risks",
    "QuarantinedApps": "Maintain tenant hygiene by cleaning up quarantined apps",
}
ADVISOR_PAGE, RUNS_PAGE = 50, 250  # page sizes are undocumented (unverified)
WEEK = 7 * 86400


def routes(ctx):
    """(method, pattern, view, needs api-version) for the Power Platform API server."""
    return [
        ("GET", ADVISOR, partial(advised, ctx, recommendations), True),
        ("GET", ADVISOR + r"/scenarios", partial(advised, ctx, scenarios), True),
        ("GET", ADVISOR + r"/(?P<scenario>[^/]+)/resources", partial(advised, ctx, resources), True),
        ("GET", ADVISOR + r"/(?P<scenario>[^/]+)/actions", partial(advised, ctx, actions), True),
        ("GET", r"/powerautomate/environments/(?P<env>[^/]+)/flowRuns", partial(flow_runs, ctx), True),
    ]


def advised(ctx, view, request, **groups):
    failure = ctx.tenant.usage.failure("advisor")
    if failure is not None:
        return failure
    with ctx.tenant.usage.lock:
        return view(ctx, request, **groups)


def _skip_token(request):
    return request.query.get("$skipToken") or request.query.get("$skiptoken")


def _next(request, token):
    kept = [part for part in request.raw_query.split("&")
            if part and unquote(part.partition("=")[0]).lower() != "$skiptoken"]
    kept.append("$skipToken=" + quote(token, safe=""))
    return f"{request.base_url}{request.path}?{'&'.join(kept)}"


def affected(ctx, scenario):
    """[(app, environment)] the scenario lists: apps of managed environments only (§3, D11)."""
    tenant, usage = ctx.tenant, ctx.tenant.usage
    last, _ = usage.activity()
    table = usage.apps
    found = []
    for env in tenant.environments:
        if not env.managed:
            continue
        for app in env.apps:
            if not app.live:
                continue
            if scenario == "UnusedApps" and math.isnan(last[table.index[app.name]]):
                found.append((app, env))
            elif scenario == "AppsWithIneligibleOwner" and (app.owner.deleted or not app.owner.enabled):
                found.append((app, env))
            elif scenario == "QuarantinedApps" and app.quarantined:
                found.append((app, env))
    return found


def _refreshed(ctx):
    now = ctx.tenant.timestamp()
    return now - now % 86400


def recommendations(ctx, request):
    """GET advisorRecommendations: one summary per scenario (§3, C8)."""
    refreshed = _refreshed(ctx)
    return Response(200, dumps({"value": [
        {"scenario": scenario, "details": {"resourceCount": len(affected(ctx, scenario)),
                                           "lastRefreshedTimestamp": iso(refreshed),
                                           "expectedNextRefreshTimestamp": iso(refreshed + WEEK)}}
        for scenario in SCENARIOS]}))


def scenarios(ctx, request):
    """GET advisorRecommendations/scenarios: a bare array (§3, D10)."""
    return Response(200, dumps([{"scenario": key, "scenarioName": name} for key, name in SCENARIOS.items()]))


def actions(ctx, request, scenario):
    """GET advisorRecommendations/{scenario}/actions (§3)."""
    if scenario not in SCENARIOS:
        return error(404, "ScenarioNotFound", f"The scenario '{scenario}' does not exist.")
    return Response(200, dumps([{"actionName": "SendEmailToOwner", "actionType": "Email"}]))


def resources(ctx, request, scenario):
    """GET advisorRecommendations/{scenario}/resources: paged by $skipToken / nextLink (§3, D10)."""
    if scenario not in SCENARIOS:
        return error(404, "ScenarioNotFound", f"The scenario '{scenario}' does not exist.")
    kind = f"advisor:{scenario}"
    start = ctx.codec.decode(kind, _skip_token(request))
    if start is None:
        return error(400, "InvalidSkipToken", "The skip token is invalid.")
    found = affected(ctx, scenario)
    last, users = ctx.tenant.usage.activity()
    index = ctx.tenant.usage.apps.index
    page = found[start:start + ADVISOR_PAGE]
    body = {"value": [_resource(app, env, last[index[app.name]], users[index[app.name]]) for app, env in page]}
    if start + ADVISOR_PAGE < len(found):
        body["nextLink"] = _next(request, ctx.codec.encode(kind, start + ADVISOR_PAGE))
    return Response(200, dumps(body))


def _resource(app, env, last, users):
    owner = app.owner
    return {"resourceId": app.name, "resourceName": app.display_name, "resourceType": "PowerApp",
            "resourceSubType": "CanvasApp", "resourceDescription": "", "resourceOwner": owner.display_name,
            "resourceOwnerId": owner.oid, "environmentId": env.name, "environmentName": env.display_name,
            # Launches are kept 30 days, so an app unused for longer shows no last access.
            "lastAccessedDate": None if math.isnan(last) else iso(float(last)),
            "lastModifiedDate": iso(app.modified), "resourceUsage": float(users), "resourceActionStatus": "Pending"}


def flow_runs(ctx, request, env):
    """GET powerautomate/environments/{env}/flowRuns?workflowId=: the flowrun store of one flow (§2.3)."""
    tenant, usage = ctx.tenant, ctx.tenant.usage
    failure = usage.failure("runs")
    if failure is not None:
        return failure
    environment = tenant.environment(env)
    if environment is None or not environment.dataverse:
        return error(404, "EnvironmentNotFound", f"The environment '{env}' has no Dataverse database.")
    workflow = request.query.get("workflowId")
    if not workflow:
        return error(400, "BadRequest", "The workflowId query parameter is required.")
    flow = next((f for f in environment.flows if f.workflow_id and f.workflow_id.lower() == workflow.lower()
                 and not f.removed), None)
    kind = f"ppruns:{workflow.lower()}"
    start = ctx.codec.decode(kind, _skip_token(request))
    if start is None:
        return error(400, "InvalidSkipToken", "The skip token is invalid.")
    if flow is None:
        return Response(204, b"")
    now = tenant.timestamp()
    runs = usage.runs(flow, now - usage.options.run_retention_days * 86400, now + 1)
    lost = lost_day(usage, environment)
    positions = [p for p in range(len(runs))
                 if lost is None or lost[0] is not flow or not lost[1] <= runs.start[p] < lost[1] + 86400]
    if not positions:
        return Response(204, b"")
    page = positions[start:start + RUNS_PAGE]
    body = {"value": [_flow_run(usage, flow, runs, p) for p in page]}
    if start + RUNS_PAGE < len(positions):
        body["nextLink"] = _next(request, ctx.codec.encode(kind, start + RUNS_PAGE))
    return Response(200, dumps(body))


def _flow_run(usage, flow, runs, position):
    """A FlowRun as the SDK's model names it (C8), `durationMs` included."""
    started, seconds = float(runs.start[position]), float(runs.duration[position])
    owner = str(uuid.uuid5(uuid.NAMESPACE_OID, flow.creator.oid))
    return {"flowRunId": guid(int(runs.hashes[position])), "name": runs.name(position), "workflowId": flow.workflow_id,
            "status": usage.options.flowrun_statuses[int(runs.status[position])], "startTime": iso(started),
            "endTime": iso(started + seconds), "durationMs": int(seconds * 1000),
            "triggerType": {"recurrence": "Scheduled", "connector": "Automated"}.get(flow.trigger, "Manual"),
            "createdOn": iso(started + seconds), "modifiedOn": iso(started + seconds), "ownerId": owner,
            "runningUser": owner, "parentRunId": None, "ttlInSeconds": usage.options.run_retention_days * 86400,
            "modernFlowType": "PowerAutomateFlow"}
