"""An item's usage: the Usage card on its page, the daily chart the usage app serves, the sources panel."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import Maker
from tests.inventory.factories import ago, known_usage, make_app, make_flow
from usage.models import AdvisorResource, AppLaunchDay, FlowRunDay, UsageSource

pytestmark = pytest.mark.django_db


def page(client, item):
    return client.get(item.get_absolute_url()).content.decode()


class TestUsageCard:
    def test_it_says_unused_for_the_inactive_period(self, admin_client):
        app = known_usage(make_app("Old", created_time=ago(900)), source="audit feed", launches_30d=0,
                          unique_users_30d=0, last_launched_time=ago(400))
        html = page(admin_client, app)
        assert 'data-usage-state="unused"' in html
        assert "Unused for 180 days" in html
        assert "audit feed" in html
        assert reverse("usage:item", args=["app", app.pk]) in html

    def test_it_says_usage_unknown_and_why(self, admin_client):
        never = make_app("Never read", created_time=ago(900))
        assert "<strong>Usage unknown:</strong> no usage source has read it yet" in page(admin_client, never)
        young = known_usage(make_flow("Young coverage", created_time=ago(900)), days=20)
        assert "covered only 20 days so far, of the 180 needed" in page(admin_client, young)
        stale = known_usage(make_flow("Stale", created_time=ago(900)), usage_checked_time=ago(5))
        assert "the last successful read was 5\xa0days ago" in page(admin_client, stale)
        missed = known_usage(make_flow("Missed", created_time=ago(900)), usage_known_since=None)
        assert "the last read of its usage failed or did not reach it" in page(admin_client, missed)

    def test_it_shows_a_flows_last_runs_and_30_day_figures(self, admin_client):
        flow = known_usage(make_flow("Hourly", created_time=ago(900)), runs_30d=720, failures_30d=36,
                           last_run_time=ago(hours=1), last_success_time=ago(hours=1), last_failure_time=ago(3))
        html = page(admin_client, flow)
        assert 'data-usage-state="used"' in html
        assert "Used 1\xa0hour ago" in html
        assert "<dt>Last failure</dt>" in html and "(5 %)" in html


class TestDailyUsage:
    def test_it_charts_an_apps_launches_with_the_table_and_advisor(self, admin_client):
        app = make_app("Popular")
        today = timezone.now().date()
        for user in ("u1", "u2"):
            AppLaunchDay.objects.create(app_guid=uuid.UUID(app.app_id), day=today - timedelta(days=1), user_key=user,
                                        launches=3, last_at=ago(1))
        AdvisorResource.objects.create(scenario="UnusedApps", resource_id=app.app_id.lower(),
                                       last_accessed=ago(2), unique_users_30d=12)
        UsageSource.objects.create(key="audit", label="Audit feed (app launches)", state="failed",
                                   last_error="the feed answered 401", last_error_at=ago(hours=2))
        response = admin_client.get(reverse("usage:item", args=["app", app.pk]))
        html = response.content.decode()
        assert 'role="img"' in html and "Launches per day, last 90 days: 6 launches" in html
        assert f"<td>{today - timedelta(days=1)}</td><td>6</td><td>2</td>" in html
        assert html.count("<tr><td>") >= 90
        assert "Failing</span> since" in html and "the feed answered 401" in html
        assert "UnusedApps" in html and "<td>12</td>" in html

    def test_it_charts_a_flows_runs_and_failures(self, admin_client):
        flow = make_flow("Hourly")
        day = timezone.now().date()
        FlowRunDay.objects.create(flow_guid=flow.flow_id, day=day, runs=24, succeeded=22, failed=2)
        UsageSource.objects.create(key="runs", label="Flow run history", state="ok", covered_since=ago(30))
        html = admin_client.get(reverse("usage:item", args=["flow", flow.pk])).content.decode()
        assert "Runs and failed runs per day" in html and f"<td>{day}</td><td>24</td><td>2</td>" in html
        assert "Flow run history: <span class=\"badge green\">Working</span>" in html

    def test_it_hides_another_makers_item(self, client, maker):
        client.force_login(maker)
        mine = make_app(owner=Maker.objects.create(email=maker.email, display_name="Bob"))
        theirs = make_app()
        assert client.get(reverse("usage:item", args=["app", mine.pk])).status_code == 200
        assert client.get(reverse("usage:item", args=["app", theirs.pk])).status_code == 404
        assert client.get(reverse("usage:item", args=["bot", mine.pk])).status_code == 404


class TestSourcesPanel:
    def test_it_lists_each_source_with_its_state_and_last_error(self, admin_client):
        UsageSource.objects.create(key="audit", label="Audit feed (app launches)", state="ok",
                                   covered_since=ago(6), last_success=ago(hours=1))
        UsageSource.objects.create(key="dataverse:env-1", label="Dataverse flow runs: Sales", state="failed",
                                   last_error="the org answered 503 three times", last_error_at=ago(hours=3))
        html = admin_client.get(reverse("usage:sources")).content.decode()
        assert 'data-usage-source="audit"' in html and "Working" in html
        assert "Failing" in html and "the org answered 503 three times" in html
        assert "never" in html
