"""What blocks progress: counts for the user's departments, each opening its rows, with a CSV of them."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coe_portal.dashboards.snapshots import take_snapshot
from dlp.models import PolicyConnector
from tests.dashboards.blocker_samples import overdue_message, two_departments

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(manager):
    items = two_departments(manager)
    take_snapshot()
    return items


def panel(html):
    """{label: (number, url)} of the "What blocks progress" card."""
    card = html.split('id="blockers-heading"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num"><a href="([^"]+)">(\d+)</a>', card)
    return {label: (int(number), url.replace("&amp;", "&")) for label, url, number in rows}


def csv_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


class TestBlockers:
    def test_a_manager_home_counts_only_their_departments(self, client, manager, tenant):
        client.force_login(manager)
        shown = panel(client.get(reverse("home")).content.decode())
        assert {label: number for label, (number, _) in shown.items()} == {
            "Migration requests needing input": 1, "Migrations with a failed step": 1, "Clean-up steps failed": 0,
            "Items with no target environment": 1, "Messages unanswered past their deadline": 1}

    def test_each_count_opens_exactly_the_rows_it_counts(self, client, manager, tenant):
        client.force_login(manager)
        for label, (number, url) in panel(client.get(reverse("home")).content.decode()).items():
            page = client.get(url)
            assert page.status_code == 200, label
            assert page.context["page"].paginator.count == number, label

    def test_the_csv_holds_only_the_managers_departments(self, client, manager, tenant):
        client.force_login(manager)
        rows = csv_rows(client.get(reverse("dashboards:blocker", args=["needs_input"]), {"export": "csv"}))
        assert rows[0][:3] == ["Request", "Requested by", "Department"]
        assert [row[2] for row in rows[1:]] == ["Finance"] and "Budget" in rows[1][3]
        stuck = csv_rows(client.get(reverse("dashboards:blocker", args=["no_target"]), {"export": "csv"}))
        assert stuck[1:] == [["Forecast", "App", "Fay", "Finance", "Personal Productivity"]]

    def test_a_department_that_is_not_theirs_is_refused(self, client, manager, tenant):
        client.force_login(manager)
        response = client.get(reverse("dashboards:blocker", args=["needs_input"]), {"department": "Sales"})
        assert response.status_code == 403
        assert "Sales is not one of the departments you manage" in response.content.decode()

    def test_an_admin_sees_every_department_and_where_to_act(self, client, coe_admin, tenant):
        client.force_login(coe_admin)
        shown = panel(client.get(reverse("dashboards:dashboard")).content.decode())
        assert shown["Migration requests needing input"][0] == 2 and shown["Clean-up steps failed"][0] == 1
        page = client.get(shown["Migration requests needing input"][1]).content.decode()
        assert "Act on them" in page and f'{reverse("migrations_app:request-queue")}?state=needs_input' in page
        sales = client.get(reverse("dashboards:blocker", args=["needs_input"]), {"department": "Sales"})
        assert sales.context["page"].paginator.count == 1

    def test_a_message_is_overdue_only_when_sent_past_its_date_and_not_fully_answered(self, client, coe_admin,
                                                                                       tenant):
        forecast = tenant["Forecast"]
        overdue_message(forecast, timezone.localdate() + timedelta(days=1))  # not due yet
        overdue_message(forecast, timezone.localdate() - timedelta(days=3), sent=False)  # never sent
        overdue_message(forecast, timezone.localdate() - timedelta(days=3), answered=True)
        client.force_login(coe_admin)
        page = client.get(reverse("dashboards:blocker", args=["unanswered"]))
        assert [cells[1] for cells in page.context["rows"]] == [tenant["Forecast"].owner.email,
                                                               tenant["Leads"].owner.email]
        assert page.context["rows"][0][5] == "1 of 1"

    def test_no_target_is_counted_at_the_snapshot_and_listed_now(self, client, manager, tenant):
        PolicyConnector.objects.all().delete()  # the policy no longer blocks Twitter
        client.force_login(manager)
        shown = panel(client.get(reverse("home")).content.decode())
        assert shown["Items with no target environment"][0] == 1  # as the latest snapshot found it
        assert client.get(shown["Items with no target environment"][1]).context["page"].paginator.count == 0
        take_snapshot()
        assert panel(client.get(reverse("home")).content.decode())["Items with no target environment"][0] == 0

    def test_the_blockers_page_says_what_each_means(self, client, manager, tenant):
        client.force_login(manager)
        page = client.get(reverse("dashboards:blockers")).content.decode()
        assert "For Finance" in page and "pick connections in the target" in page

    def test_an_unknown_blocker_or_parameter_is_refused(self, client, manager, tenant):
        client.force_login(manager)
        assert client.get(reverse("dashboards:blocker", args=["nope"])).status_code == 404
        response = client.get(reverse("dashboards:blocker", args=["needs_input"]), {"departmnet": "Finance"})
        assert response.status_code == 400 and "Unknown parameter: departmnet" in response.content.decode()

    def test_a_manager_without_departments_is_told_so(self, client, manager):
        client.force_login(manager)
        page = client.get(reverse("dashboards:blocker", args=["needs_input"])).content.decode()
        assert "No department is assigned to you yet" in page

    def test_makers_cannot_open_the_lists(self, client, maker, tenant):
        client.force_login(maker)
        assert client.get(reverse("dashboards:blocker", args=["needs_input"]), {"export": "csv"}).status_code == 403
