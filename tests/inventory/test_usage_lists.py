"""Usage on the app, flow and agent lists: columns, sorting, the usage filters (strict), CSV and API."""

import csv
import io

import pytest
from django.urls import reverse

from inventory.models import Bot, TablePreference
from tests.inventory.factories import ago, known_usage, make_app, make_environment, make_flow

pytestmark = pytest.mark.django_db


def names(response):
    return [row.record.display_name for row in response.context["table"].page.object_list]


@pytest.fixture
def flows():
    """Four old flows: idle for a year, run yesterday, never read by a usage source, failing often."""
    idle = known_usage(make_flow("Idle", days_old=700), runs_30d=0, failures_30d=0, last_run_time=ago(300))
    busy = known_usage(make_flow("Busy", days_old=700), runs_30d=720, failures_30d=36, last_run_time=ago(1))
    unknown = make_flow("Unknown", days_old=700)
    failing = known_usage(make_flow("Failing", days_old=700), runs_30d=10, failures_30d=6, last_run_time=ago(2))
    return {"idle": idle, "busy": busy, "unknown": unknown, "failing": failing}


class TestUsageLists:
    def test_it_filters_flows_unused_used_and_unknown(self, admin_client, flows):
        url = reverse("inventory:flow-list")
        assert names(admin_client.get(url, {"unused_for": 90})) == ["Idle"]
        assert names(admin_client.get(url, {"used_within": 7})) == ["Busy", "Failing"]
        assert names(admin_client.get(url, {"usage_unknown": "true"})) == ["Unknown"]
        assert names(admin_client.get(url, {"usage_unknown": "false"})) == ["Busy", "Failing", "Idle"]

    def test_it_filters_flows_by_failure_rate(self, admin_client, flows):
        url = reverse("inventory:flow-list")
        assert names(admin_client.get(url, {"failure_rate_min": 50})) == ["Failing"]
        assert names(admin_client.get(url, {"failure_rate_min": "5"})) == ["Busy", "Failing"]

    @pytest.mark.parametrize("query, field", [({"unused_for": "abc"}, "unused_for"), ({"unused_for": 0}, "unused_for"),
                                              ({"used_within": "7.5"}, "used_within"),
                                              ({"usage_unknown": "ja"}, "usage_unknown"),
                                              ({"failure_rate_min": 150}, "failure_rate_min")])
    def test_it_refuses_an_invalid_usage_filter_naming_it(self, admin_client, flows, query, field):
        response = admin_client.get(reverse("inventory:flow-list"), query)
        assert response.status_code == 400
        assert f"{field}: " in response.content.decode()
        assert names(response) == []

    def test_it_sorts_flows_by_failure_rate_and_last_run_unknown_last(self, admin_client, coe_admin, flows):
        TablePreference.objects.create(user=coe_admin, table="flow", columns=["last_run_time", "runs_30d",
                                                                              "failure_rate"])
        url = reverse("inventory:flow-list")
        assert names(admin_client.get(url, {"sort": "-failure_rate"})) == ["Failing", "Busy", "Idle", "Unknown"]
        assert names(admin_client.get(url, {"sort": "failure_rate"})) == ["Busy", "Failing", "Idle", "Unknown"]
        assert names(admin_client.get(url, {"sort": "-last_run_time"})) == ["Busy", "Failing", "Idle", "Unknown"]
        assert names(admin_client.get(url, {"sort": "-runs_30d"})) == ["Busy", "Failing", "Idle", "Unknown"]

    def test_it_hides_the_30_day_columns_until_a_user_chooses_them(self, admin_client, coe_admin, flows):
        url = reverse("inventory:flow-list")
        shown = [column.name for column in admin_client.get(url).context["table"].columns]
        assert "last_run_time" in shown
        assert "runs_30d" not in shown and "failure_rate" not in shown
        TablePreference.objects.create(user=coe_admin, table="flow", columns=["runs_30d", "failure_rate"])
        response = admin_client.get(url, {"q": "Failing"})
        assert [column.name for column in response.context["table"].columns] == [
            "select", "display_name", "runs_30d", "failure_rate"]
        assert list(response.context["table"].as_values())[1][1:] == [10, "60"]

    def test_it_exports_usage_in_the_csv(self, admin_client, flows):
        response = admin_client.get(reverse("inventory:flow-list"), {"export": "csv", "q": "Failing"})
        header, row = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        values = dict(zip(header, row, strict=True))
        assert values["Runs (30 d)"] == "10"
        assert values["Failure rate (%)"] == "60"
        assert values["Last run"].startswith(flows["failing"].last_run_time.date().isoformat()[:4])

    def test_it_shows_and_sorts_app_launches_and_users(self, admin_client, coe_admin):
        TablePreference.objects.create(user=coe_admin, table="app", columns=["launches_30d", "unique_users_30d"])
        known_usage(make_app("Popular"), source="audit feed", launches_30d=400, unique_users_30d=40,
                    last_launched_time=ago(1))
        known_usage(make_app("Quiet"), source="audit feed", launches_30d=3, unique_users_30d=1,
                    last_launched_time=ago(20))
        make_app("Unread")
        url = reverse("inventory:app-list")
        assert names(admin_client.get(url, {"sort": "-launches_30d"})) == ["Popular", "Quiet", "Unread"]
        assert names(admin_client.get(url, {"sort": "-unique_users_30d"})) == ["Popular", "Quiet", "Unread"]
        assert names(admin_client.get(url, {"used_within": 7})) == ["Popular"]
        response = admin_client.get(url, {"export": "csv", "q": "Popular"})
        header, row = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert dict(zip(header, row, strict=True))["Users (30 d)"] == "40"

    def test_it_shows_agent_conversations(self, admin_client):
        environment = make_environment()
        Bot.objects.create(bot_id="b1", environment=environment, display_name="Helpdesk", conversations_30d=250,
                           last_conversation_time=ago(1))
        Bot.objects.create(bot_id="b2", environment=environment, display_name="Unread")
        response = admin_client.get(reverse("inventory:bot-list"), {"sort": "-conversations_30d"})
        assert names(response) == ["Helpdesk", "Unread"]
        assert "Conversations (30 d)" in response.content.decode()


class TestUsageApi:
    def test_it_serves_usage_and_its_filters(self, client, coe_admin, flows):
        client.force_login(coe_admin)
        body = client.get("/api/inventory/flows/", {"unused_for": 90}).json()
        assert [flow["display_name"] for flow in body["results"]] == ["Idle"]
        failing = client.get(f"/api/inventory/flows/{flows['failing'].pk}/").json()
        assert (failing["runs_30d"], failing["failures_30d"], failing["failure_rate"]) == (10, 6, 0.6)
        assert failing["usage_source"] == "run history" and failing["usage_known_since"]
        unknown = client.get(f"/api/inventory/flows/{flows['unknown'].pk}/").json()
        assert unknown["runs_30d"] is None and unknown["usage_known_since"] is None

    def test_it_refuses_a_bad_usage_filter(self, client, coe_admin, flows):
        client.force_login(coe_admin)
        response = client.get("/api/inventory/flows/", {"failure_rate_min": "lots"})
        assert response.status_code == 400
        assert "failure_rate_min" in response.json()

    def test_it_serves_app_launches_and_users(self, client, coe_admin):
        client.force_login(coe_admin)
        app = known_usage(make_app("Popular"), source="audit feed", launches_30d=400, unique_users_30d=40)
        body = client.get(f"/api/inventory/apps/{app.pk}/").json()
        assert (body["launches_30d"], body["unique_users_30d"], body["usage_source"]) == (400, 40, "audit feed")
