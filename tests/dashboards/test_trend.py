"""The burndown has a point per snapshot that moved it over the last days, and a point per day before."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coe_portal.core.models import UserProfile
from coe_portal.dashboards.models import Snapshot
from coe_portal.dashboards.snapshots import take_snapshot
from coe_portal.dashboards.trend import INTRADAY_DAYS
from inventory.models import App
from tests.inventory.factories import make_app, make_environment, make_maker

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant():
    default = make_environment()
    finance, sales = make_maker(department="Finance"), make_maker(department="Sales")
    return {"finance": [make_app(environment=default, owner=finance) for _ in range(3)],
            "sales": [make_app(environment=default, owner=sales) for _ in range(2)]}


def burndown(client, **query):
    response = client.get(reverse("dashboards:dashboard"), {**query, "export": "burndown"})
    return [(when, int(items)) for when, items in
            list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))[1:]]


def delete(app):
    App.objects.filter(pk=app.pk).update(deleted_at=timezone.now())


class TestTrend:
    def test_each_snapshot_that_moves_the_figure_is_a_point(self, admin_client, tenant):
        take_snapshot()
        delete(tenant["finance"][0])
        take_snapshot()
        take_snapshot()  # nothing moved: no point
        delete(tenant["sales"][0])
        take_snapshot()
        points = burndown(admin_client)
        assert [items for _, items in points] == [5, 4, 3]
        assert all(when.startswith(timezone.localdate().isoformat() + " ") for when, _ in points)  # with the time

    def test_departments_add_up_at_every_point_each_carried_forward(self, client, manager, tenant):
        UserProfile.objects.create(user=manager, managed_departments=["Finance", "Sales"])
        take_snapshot()
        delete(tenant["sales"][0])
        take_snapshot()
        delete(tenant["finance"][0])
        take_snapshot()
        client.force_login(manager)
        assert [items for _, items in burndown(client)] == [5, 4, 3]
        assert [items for _, items in burndown(client, department="Finance")] == [3, 2]

    def test_older_days_keep_one_point_and_lose_their_snapshot_points(self, admin_client, tenant):
        old_day = timezone.localdate() - timedelta(days=INTRADAY_DAYS + 3)
        take_snapshot(old_day)
        Snapshot.objects.filter(day=old_day).update(points=[["2026-01-01T09:00:00+00:00", {"remaining": 3}]])
        delete(tenant["finance"][0])
        take_snapshot()
        assert not Snapshot.objects.filter(day=old_day).exclude(points=[]).exists()
        assert burndown(admin_client)[0] == (old_day.isoformat(), 5)
        assert [items for _, items in burndown(admin_client)] == [5, 4]

    def test_retaking_a_past_day_adds_no_point(self, tenant):
        take_snapshot(timezone.localdate() - timedelta(days=1))
        assert not Snapshot.objects.exclude(points=[]).exists()

    def test_the_manager_home_draws_the_trend_with_the_time_of_each_end(self, client, manager, tenant):
        UserProfile.objects.create(user=manager, managed_departments=["Finance"])
        take_snapshot()
        delete(tenant["finance"][0])
        take_snapshot()
        client.force_login(manager)
        html = client.get(reverse("home")).content.decode()
        first, last = (timezone.localtime(timezone.datetime.fromisoformat(at))
                       for at, _ in Snapshot.objects.get(department="Finance").points)
        assert (f"Left in the default environment: 3 on {first:%-d %b, %H:%M}, 2 on {last:%-d %b, %H:%M}."
                in html)
        assert '<svg class="chart-svg" role="img" aria-label="Items left in the default environment"' in html
