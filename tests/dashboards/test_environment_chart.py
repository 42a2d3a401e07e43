"""Progress by environment: items left per environment from the snapshots, filtered like every chart."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from coe_portal.core.models import UserProfile
from coe_portal.dashboards import environments
from coe_portal.dashboards.environments import LEFT, MOVED
from coe_portal.dashboards.models import Snapshot
from coe_portal.dashboards.snapshots import take_snapshot
from inventory.models import App, Environment, Flow, Maker

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(db):
    """Finance: 3 apps in Default, 1 in HR. Sales: 1 flow in Default, 2 in HR."""
    default = Environment.objects.create(env_id="Default-1", display_name="Default", is_default=True)
    hr = Environment.objects.create(env_id="env-hr", display_name="HR", environment_type="Production")
    finance = Maker.objects.create(email="fin@contoso.example", department="Finance")
    sales = Maker.objects.create(email="sam@contoso.example", department="Sales")
    for n in range(3):
        App.objects.create(app_id=f"fin-{n}", environment=default, display_name=f"Fin {n}", owner=finance)
    App.objects.create(app_id="fin-hr", environment=hr, display_name="Fin HR", owner=finance)
    Flow.objects.create(flow_id="s-1", environment=default, display_name="Sales flow", creator=sales)
    for n in range(2):
        Flow.objects.create(flow_id=f"s-hr-{n}", environment=hr, display_name=f"HR flow {n}", creator=sales)
    return {"default": default, "hr": hr}


def chart(client, **query):
    """The environment chart's header and rows, read from its CSV download."""
    page = client.get("/progress/", query)
    assert page.status_code == 200
    response = client.get("/progress/", {**query, "export": "environments"})
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    rows = [[int(cell) if cell.lstrip("-").isdigit() else cell for cell in line] for line in lines[1:]]
    return {"header": lines[0], "rows": rows}


class TestEnvironmentChart:
    def test_snapshots_keep_items_left_per_environment_and_department(self, tenant):
        take_snapshot()
        today = Snapshot.objects.filter(day=timezone.localdate())
        by_department = dict(today.exclude(department=None).values_list("department", "breakdowns"))
        default, hr = str(tenant["default"].pk), str(tenant["hr"].pk)
        assert by_department["Finance"] == {"left_by_environment": {default: 3, hr: 1}}
        assert by_department["Sales"] == {"left_by_environment": {hr: 2, default: 1}}

    def test_it_shows_every_environment_for_an_admin_and_follows_the_department_filter(self, client, coe_admin,
                                                                                      tenant):
        take_snapshot()
        client.force_login(coe_admin)
        assert [row[:2] for row in chart(client)["rows"]] == [["Default", 4], ["HR", 3]]
        assert [row[:2] for row in chart(client, department="Sales")["rows"]] == [["HR", 2], ["Default", 1]]

    def test_the_period_sets_the_day_it_compares_with(self, client, coe_admin, tenant):
        today = timezone.localdate()
        take_snapshot(today - timedelta(days=60))
        App.objects.filter(app_id="fin-0").update(deleted_at=timezone.now())
        take_snapshot(today - timedelta(days=20))
        App.objects.filter(app_id="fin-1").update(deleted_at=timezone.now())
        Flow.objects.filter(flow_id="s-hr-0").update(deleted_at=timezone.now())
        take_snapshot()
        client.force_login(coe_admin)
        month = chart(client, period="30")
        assert month["rows"] == [["Default", 2, 3, -1, LEFT], ["HR", 2, 3, -1, MOVED]]
        assert month["header"][2] == f"On {today - timedelta(days=20):%d %b %Y}"
        assert chart(client, period="90")["rows"] == [["Default", 2, 4, -2, LEFT], ["HR", 2, 3, -1, MOVED]]

    def test_the_largest_environments_then_the_rest_as_other(self, client, coe_admin, tenant, monkeypatch):
        owner = Maker.objects.get(department="Finance")
        for n in range(3):
            env = Environment.objects.create(env_id=f"env-{n}", display_name=f"Small {n}")
            App.objects.create(app_id=f"small-{n}", environment=env, display_name=f"Small {n}", owner=owner)
        take_snapshot()
        monkeypatch.setattr(environments, "TOP_ENVIRONMENTS", 2)
        client.force_login(coe_admin)
        rows = chart(client)["rows"]
        assert [row[:2] for row in rows] == [["Default", 4], ["HR", 3], ["Other environments", 3]]

    def test_a_manager_sees_only_their_departments_and_downloads_the_csv(self, client, manager, tenant):
        UserProfile.objects.create(user=manager, managed_departments=["Finance"])
        take_snapshot()
        client.force_login(manager)
        assert [row[:2] for row in chart(client)["rows"]] == [["Default", 3], ["HR", 1]]
        response = client.get("/progress/", {"export": "environments"})
        lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode()
                                            if response.streaming else response.content.decode())))
        assert lines[0][:2] == ["Environment", "Items"] and lines[1][:2] == ["Default", "3"]

    def test_no_snapshot_is_an_empty_chart(self, client, coe_admin, tenant):
        client.force_login(coe_admin)
        assert chart(client)["rows"] == []

    def test_the_default_environment_is_a_row_of_its_own_even_when_smaller(self, client, coe_admin, tenant,
                                                                          monkeypatch):
        App.objects.filter(environment=tenant["default"]).update(environment=tenant["hr"])
        take_snapshot()
        monkeypatch.setattr(environments, "TOP_ENVIRONMENTS", 1)
        client.force_login(coe_admin)
        # HR holds 6, the default 1 (the Sales flow): the default is never folded into "Other".
        assert chart(client)["rows"] == [["Default", 1, 1, 0, LEFT], ["Other environments", 6, 6, 0, MOVED]]
