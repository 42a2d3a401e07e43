"""The fake's run history, Dataverse usage tables and Power Platform API (usage-apis.md §2-4, §7.7-7.9)."""

from datetime import timedelta

import pytest
import requests

from coe_portal.powerplatform.fake.api import UsageOptions
from tests.powerplatform import fake_support
from tests.powerplatform.fake_support import FLOW_ADMIN, NOW

fake, make_fake, tls_dir = fake_support.fake, fake_support.make_fake, fake_support.tls_dir

TODAY = NOW + timedelta(days=10)
MAKER = "/providers/Microsoft.ProcessSimple/environments"


def started(make_fake, **options):
    tenant, servers, client = make_fake(flows=400, **options)
    tenant.clock.set(TODAY)
    flow = next(f for f in tenant.flows if f.workflow_id and f.state == "Started")
    return tenant, client, flow, tenant.environment(flow.env)


def runs_path(env, flow, extra="", admin=True):
    root = FLOW_ADMIN if admin else MAKER
    return f"{root}/{env.name}/flows/{flow.name}/runs?api-version=2016-11-01{extra}"


def at(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class TestFlowRuns:
    def test_admin_runs_page_filter_and_keep_28_days(self, make_fake):
        tenant, client, flow, env = started(make_fake)
        tenant.usage.set_flow_runs(flow, every=timedelta(hours=1), failure_rate=0.3,
                                   start=TODAY - timedelta(days=40, minutes=-30))
        runs, pages = client.all_pages("flow", runs_path(env, flow, "&$top=100"))
        truth = tenant.usage.run_counts(flow, TODAY - timedelta(days=28), TODAY + timedelta(minutes=1))
        assert len(runs) == truth["runs"] == 28 * 24 and len(pages) == 7
        starts = [run["properties"]["startTime"] for run in runs]
        assert starts == sorted(starts, reverse=True) and len(set(r["name"] for r in runs)) == len(runs)
        assert starts[0][:16] == truth["last_run"].strftime("%Y-%m-%dT%H:%M")
        failed, _ = client.all_pages("flow", runs_path(env, flow, "&$top=250&$filter=status eq 'Failed'"))
        assert len(failed) == truth["failures"] and all(r["properties"]["error"]["code"] for r in failed)
        day = TODAY - timedelta(days=3)
        window = f"&$filter=startTime ge {at(day)} and startTime lt {at(day + timedelta(days=1))}"
        assert len(client.all_pages("flow", runs_path(env, flow, window))[0]) == 24
        run = runs[0]
        assert run["type"] == "Microsoft.ProcessSimple/environments/flows/runs"
        assert run["id"].endswith(f"/flows/{flow.name}/runs/{run['name']}")
        link = run["properties"]["trigger"]["inputsLink"]["uri"]
        assert requests.get(link, verify=client.ca, timeout=10).status_code == 200
        tenant.clock.set(TODAY + timedelta(hours=2))
        assert requests.get(link, verify=client.ca, timeout=10).status_code == 403

    def test_maker_path_missing_flow_and_a_stopped_flow(self, make_fake):
        tenant, client, flow, env = started(make_fake)
        maker = client.get("flow", runs_path(env, flow, admin=False))
        assert maker.status_code == 403
        assert maker.json()["error"]["message"] == "The x-ms-client-scope header must not be null or empty."
        missing = client.get("flow", runs_path(env, type(flow)(name="0000-none")))
        assert missing.status_code == 403 and missing.json()["error"]["code"] == "ConnectionAuthorizationFailed"
        idle = next(f for f in tenant.flows if f.state != "Started")
        tenant.usage.set_flow_runs(idle, every=timedelta(hours=1))
        assert client.get("flow", runs_path(tenant.environment(idle.env), idle)).json()["value"] == []

    def test_scripted_failures(self, make_fake):
        tenant, client, flow, env = started(make_fake)
        tenant.usage.fail("runs", 503, "ServiceUnavailable", "Down for the test.")
        assert client.get("flow", runs_path(env, flow)).status_code == 503
        tenant.usage.fail("runs", None)
        assert client.get("flow", runs_path(env, flow)).status_code == 200
        tenant.usage.fail("dataverse", 500)
        assert client.dataverse(env, "flowruns").status_code == 500
        tenant.usage.fail("audit", 500, "AF50000", "An internal error occurred. Retry the request.")
        feed = client.get("manage", client.feed_path("subscriptions/list"))
        assert feed.status_code == 500 and feed.json()["error"]["code"] == "AF50000"


class TestDataverse:
    def test_flowruns_pages_ttl_and_only_solution_flows(self, make_fake):
        tenant, client, flow, env = started(make_fake)
        tenant.usage.set_flow_runs(flow, every=timedelta(minutes=30), start=TODAY - timedelta(days=35, minutes=-7))
        query = f"flowruns?$select=name,starttime,workflowid&$filter=workflowid eq '{flow.workflow_id}'"
        pages, url = [], query
        while url:
            body = client.dataverse(env, url).json()
            pages.append(body["value"])
            url = body.get("@odata.nextLink")
        rows = [row for page in pages for row in page]
        assert [len(page) for page in pages] == [500, 500, 28 * 48 - 1000]
        assert min(row["starttime"] for row in rows) >= at(TODAY - timedelta(days=28))
        flow_api, _ = client.all_pages("flow", runs_path(env, flow, "&$top=250"))
        assert {row["name"] for row in rows} == {run["name"] for run in flow_api}
        small = client.dataverse(env, query, headers={"Prefer": "odata.maxpagesize=200"})
        assert len(small.json()["value"]) == 200 and small.headers["Preference-Applied"] == "odata.maxpagesize=200"
        every, url = [], "flowruns?$select=workflowid"
        while url:
            body = client.dataverse(env, url).json()
            every += body["value"]
            url = body.get("@odata.nextLink")
        assert {row["workflowid"] for row in every} <= {f.workflow_id for f in env.flows if f.workflow_id}
        assert client.dataverse(env, "flowruns?$apply=groupby((workflowid))").status_code == 400

    def test_ingestion_loss_leaves_a_flowevent_and_fewer_rows(self, make_fake):
        tenant, client, flow, env = started(make_fake, usage=UsageOptions(ingestion_loss=True))
        events = client.dataverse(env, "flowevents").json()["value"]
        assert [(e["eventtype"], e["eventcode"]) for e in events] == [("FlowRunIngestion", "IngestionRateDataLoss")]
        lost = next(f for f in env.flows if f.workflow_id == events[0]["parentobjectid"])
        rows = client.dataverse(env, f"flowruns?$filter=workflowid eq '{lost.workflow_id}'",
                                headers={"Prefer": "odata.maxpagesize=5000"}).json()["value"]
        truth = tenant.usage.run_counts(lost, TODAY - timedelta(days=28), TODAY + timedelta(minutes=1))
        assert 0 < len(rows) < truth["runs"]

    def test_transcripts_of_the_environments_bots(self, make_fake):
        tenant, client, _, _ = started(make_fake)
        env = next(e for e in tenant.environments if e.tables.get("bots"))
        since = TODAY - timedelta(days=2)
        rows = client.dataverse(env, f"conversationtranscripts?$filter=conversationstarttime ge {at(since)}",
                                headers={"Prefer": "odata.maxpagesize=5000"}).json()["value"]
        bots = {bot.row_id for bot in env.tables["bots"]}
        assert rows and {row["_bot_conversationtranscriptid_value"] for row in rows} <= bots
        assert min(row["conversationstarttime"] for row in rows) >= at(since)


class TestPowerPlatformApi:
    def test_advisor_lists_apps_of_managed_environments_only(self, make_fake):
        tenant, client, _, _ = started(make_fake, apps=400)
        for env in tenant.environments:
            env.managed = env.is_default
        scenarios = client.get("ppapi", "/analytics/advisorRecommendations/scenarios?api-version=2024-10-01").json()
        assert isinstance(scenarios, list) and "UnusedApps" in [s["scenario"] for s in scenarios]
        summary = client.get("ppapi", "/analytics/advisorRecommendations?api-version=2024-10-01").json()["value"]
        counts = {item["scenario"]: item["details"]["resourceCount"] for item in summary}
        for scenario in ("UnusedApps", "AppsWithIneligibleOwner"):
            found, pages = client.all_pages(
                "ppapi", f"/analytics/advisorRecommendations/{scenario}/resources?api-version=2024-10-01")
            assert len(found) == counts[scenario] and {r["environmentId"] for r in found} <= {
                tenant.default_environment.name}
            if scenario == "UnusedApps":
                assert len(pages) > 1 and "$skipToken=" in pages[0]["nextLink"]
                assert all(r["lastAccessedDate"] is None and r["resourceUsage"] == 0 for r in found)
            for resource in found[:10]:
                app = tenant.app(tenant.default_environment, resource["resourceId"])
                truth = tenant.usage.launch_counts(app, tenant.clock() - timedelta(days=30), tenant.clock())
                assert resource["resourceUsage"] == truth["users"]
                if truth["last_launch"]:
                    assert resource["lastAccessedDate"][:19] == truth["last_launch"].strftime("%Y-%m-%dT%H:%M:%S")

    def test_flow_runs_of_the_power_platform_api(self, make_fake):
        tenant, client, flow, env = started(make_fake)
        path = f"/powerautomate/environments/{env.name}/flowRuns?api-version=2024-10-01"
        assert client.get("ppapi", path).status_code == 400
        assert client.get("ppapi", path + "&workflowId=00000000-0000-4000-8000-000000000000").status_code == 204
        tenant.usage.set_flow_runs(flow, every=timedelta(hours=2), start=TODAY - timedelta(days=2, minutes=-5))
        found, _ = client.all_pages("ppapi", path + f"&workflowId={flow.workflow_id}")
        assert len(found) == 24 and all(run["durationMs"] > 0 for run in found)
        bare = next((e for e in tenant.environments if not e.dataverse), None)
        if bare is not None:
            answer = client.get("ppapi", f"/powerautomate/environments/{bare.name}/flowRuns?workflowId=x&"
                                         "api-version=2024-10-01")
            assert answer.status_code == 404

    @pytest.mark.parametrize("source", ["advisor"])
    def test_advisor_throttles_and_fails_on_demand(self, make_fake, source):
        tenant, client, _, _ = started(make_fake, throttle="tight")
        path = "/analytics/advisorRecommendations/scenarios?api-version=2024-10-01"
        assert 429 in [client.get("ppapi", path).status_code for _ in range(55)]
        tenant, client, _, _ = started(make_fake)
        tenant.usage.fail(source, 403, "Forbidden", "No analytics for this tenant.")
        assert client.get("ppapi", path).json()["error"]["code"] == "Forbidden"
