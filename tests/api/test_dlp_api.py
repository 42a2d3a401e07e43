"""The DLP API: policies read-only, impact runs, impact items with the rule and connectors each breaks.

The same roles as the DLP pages: CoE admins and managers read, makers get 403.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dlp.models import ImpactRun
from dlp.services import impact
from tests.dlp.world import add_item

pytestmark = pytest.mark.django_db


def names(response):
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


class TestDlpApi:
    def test_managers_read_policies_with_their_groups(self, client, manager, dlp_world, bearer):
        response = client.get("/api/dlp/policies/", **bearer(manager))
        assert response.status_code == 200
        by_name = {policy["display_name"]: policy for policy in response.json()["results"]}
        assert set(by_name) == {"Baseline", "No social", "Baseline (what-if)"}
        assert by_name["No social"]["connectors"] == [{"connector": "shared_twitter", "group": "blocked"}]
        draft = by_name["Baseline (what-if)"]
        assert draft["is_draft"] and draft["replaces"] == dlp_world["baseline"].pk
        drafts = client.get("/api/dlp/policies/?is_draft=true", **bearer(manager)).json()["results"]
        assert [policy["display_name"] for policy in drafts] == ["Baseline (what-if)"]

    def test_policies_are_read_only(self, client, coe_admin, dlp_world, bearer):
        url = f"/api/dlp/policies/{dlp_world['baseline'].pk}/"
        assert client.delete(url, **bearer(coe_admin)).status_code == 405
        assert client.post("/api/dlp/policies/", {}, **bearer(coe_admin)).status_code == 405

    def test_makers_see_no_dlp_as_on_the_pages(self, client, maker, dlp_world, bearer):
        for url in ("/api/dlp/policies/", "/api/dlp/runs/", "/api/dlp/impact-items/",
                    f"/api/dlp/impact-items/{dlp_world['live_run'].pk}/"):
            assert client.get(url, **bearer(maker)).status_code == 403, url

    def test_runs_are_listed_and_filtered_by_draft(self, client, coe_admin, dlp_world, bearer):
        runs = client.get(f"/api/dlp/runs/?draft={dlp_world['draft'].pk}", **bearer(coe_admin)).json()["results"]
        assert [run["id"] for run in runs] == [dlp_world["draft_run"].pk]
        assert runs[0]["status"] == "done" and runs[0]["counts"]["new"] == 1

    def test_items_default_to_the_live_policies_and_name_rule_and_connector(self, client, coe_admin, dlp_world,
                                                                           bearer):
        body = client.get("/api/dlp/impact-items/", **bearer(coe_admin)).json()
        [poster] = body["results"]
        assert (poster["name"], poster["kind"], poster["environment"]) == ("Poster", "flow", "sandbox")
        assert (poster["change"], poster["current"], poster["proposed"]) == ("unchanged", "broken", "broken")
        assert poster["item"] == dlp_world["items"]["Poster"].pk and poster["maker"]["department"] == "Sales"
        [violation] = poster["violations"]
        assert violation == {"policy": dlp_world["social"].pk, "policy_name": "No social", "rule": "blocked",
                             "business": [], "non_business": [], "blocked": ["shared_twitter"], "detail": "",
                             "exempt": False, "proposed": True}

    def test_a_drafts_items_show_what_the_draft_breaks(self, client, coe_admin, dlp_world, bearer):
        url = f"/api/dlp/impact-items/?draft={dlp_world['draft'].pk}"
        assert names(client.get(url, **bearer(coe_admin))) == ["Mixer", "Poster"]
        [mixer] = client.get(url + "&change=new", **bearer(coe_admin)).json()["results"]
        assert mixer["name"] == "Mixer" and mixer["current"] == "ok" and mixer["proposed"] == "broken"
        [violation] = mixer["violations"]
        assert (violation["policy"], violation["rule"]) == (dlp_world["draft"].pk, "mixed")
        assert (violation["business"], violation["non_business"]) == (["shared_sharepoint"], ["shared_sql"])

    def test_items_filter_by_policy_rule_state_environment_maker_and_connector(self, client, coe_admin, dlp_world,
                                                                               bearer):
        w, headers = dlp_world, bearer(coe_admin)
        base = f"/api/dlp/impact-items/?run={w['draft_run'].pk}"
        assert names(client.get(f"{base}&policy={w['social'].pk}", **headers)) == ["Poster"]
        assert names(client.get(f"{base}&policy={w['draft'].pk}", **headers)) == ["Mixer"]
        assert names(client.get(f"{base}&rule=mixed", **headers)) == ["Mixer"]
        assert names(client.get(f"{base}&current=broken", **headers)) == ["Poster"]
        assert names(client.get(f"{base}&environment={w['envs']['dev'].pk}", **headers)) == ["Mixer"]
        assert names(client.get(f"{base}&maker={w['makers']['zoe'].pk}", **headers)) == ["Poster"]
        assert names(client.get(f"{base}&department=finance", **headers)) == ["Mixer"]
        assert names(client.get(f"{base}&connector={w['c']['sql'].pk}", **headers)) == ["Mixer"]
        assert names(client.get(f"{base}&kind=flow", **headers)) == ["Poster"]
        assert names(client.get(f"{base}&policy={w['baseline'].pk}", **headers)) == []  # replaced by the draft

    def test_a_bad_run_or_filter_is_a_400_naming_the_parameter(self, client, coe_admin, dlp_world, bearer):
        for query, field in (("run=999999", "run"), ("run=x", "run"), ("draft=999999", "draft"),
                             (f"draft={dlp_world['baseline'].pk}", "draft"), ("change=broken", "change")):
            response = client.get(f"/api/dlp/impact-items/?{query}", **bearer(coe_admin))
            assert response.status_code == 400 and field in response.json(), query

    def test_an_item_reads_alone_with_its_violations(self, client, manager, dlp_world, bearer):
        row = dlp_world["draft_run"]
        listed = client.get(f"/api/dlp/impact-items/?run={row.pk}&change=new", **bearer(manager)).json()
        detail = client.get(f"/api/dlp/impact-items/{listed['results'][0]['id']}/", **bearer(manager)).json()
        assert detail == listed["results"][0]
        assert client.get("/api/dlp/impact-items/99999999/", **bearer(manager)).status_code == 404

    def test_items_page_with_a_cursor(self, client, coe_admin, dlp_world, bearer):
        headers = bearer(coe_admin)
        first = client.get(f"/api/dlp/impact-items/?draft={dlp_world['draft'].pk}&page_size=1", **headers).json()
        second = client.get(first["next"], **headers).json()
        assert {first["results"][0]["name"], second["results"][0]["name"]} == {"Mixer", "Poster"}
        assert second["next"] is None

    def test_queries_do_not_grow_with_page_size(self, client, coe_admin, dlp_world, bearer):
        w = dlp_world
        for n in range(30):
            add_item(f"Mixer {n}", w["envs"]["dev"], [w["c"]["sharepoint"], w["c"]["sql"]], maker=w["makers"]["max"])
        run = impact.compute(ImpactRun.objects.create(draft=w["draft"]))
        headers, url = bearer(coe_admin), f"/api/dlp/impact-items/?run={run.pk}&page_size="
        with CaptureQueriesContext(connection) as small:
            assert len(client.get(url + "2", **headers).json()["results"]) == 2
        with CaptureQueriesContext(connection) as large:
            body = client.get(url + "32", **headers).json()
        assert len(body["results"]) == 32 and all(row["violations"] for row in body["results"])
        assert len(large.captured_queries) == len(small.captured_queries)
