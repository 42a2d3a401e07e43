"""The app and flow list pages: filters, bounded counts, remembered columns, CSV, query counts, detail pages."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coe_portal.core import audit
from coe_portal.core.generic import BoundedPaginator
from inventory.models import TablePreference
from tests.inventory.factories import make_app, make_environment, make_flow, make_maker, make_tag, use_connector

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(row.record.display_name for row in response.context["table"].page.object_list)


def test_filters_combine_and_the_url_carries_them(admin_client):
    default, other = make_environment(), make_environment(default=False)
    finance = make_maker("Fay", department="Finance")
    sales = make_maker("Sam", department="Sales")
    wide = make_app("Wide", environment=default, owner=finance, shared_users_count=80, days_old=400)
    make_app("Narrow", environment=default, owner=finance, shared_users_count=2)
    make_app("Elsewhere", environment=other, owner=sales, shared_users_count=90)
    use_connector(wide, "shared_sql")
    make_tag("legacy").apps.add(wide)
    url = reverse("inventory:app-list")
    assert names(admin_client.get(url, {"environment": default.pk})) == ["Narrow", "Wide"]
    assert names(admin_client.get(url, {"department": "finance", "shared_min": 50})) == ["Wide"]
    assert names(admin_client.get(url, {"connector": "SHARED_SQL"})) == ["Wide"]
    assert names(admin_client.get(url, {"tag": "legacy"})) == ["Wide"]
    assert names(admin_client.get(url, {"modified_before": "2020-01-01"})) == []
    assert names(admin_client.get(url, {"owner": "sam"})) == ["Elsewhere"]
    assert names(admin_client.get(url, {"q": "wid"})) == ["Wide"]
    assert names(admin_client.get(url, {"default_environment": "false"})) == ["Elsewhere"]
    sorted_desc = admin_client.get(url, {"sort": "-shared_users_count"}).context["table"].page.object_list
    assert [row.record.display_name for row in sorted_desc] == ["Elsewhere", "Wide", "Narrow"]


def test_flow_filters_by_state_and_owner_department(admin_client):
    make_flow("Stopped one", state="Stopped", creator=make_maker(department="HR"))
    make_flow("Running one")
    url = reverse("inventory:flow-list")
    assert names(admin_client.get(url, {"state": "Stopped"})) == ["Stopped one"]
    assert names(admin_client.get(url, {"department": "hr"})) == ["Stopped one"]


def test_counts_stop_at_the_bound(admin_client, monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "bound", 3)
    for _ in range(5):
        make_app()
    response = admin_client.get(reverse("inventory:app-list"))
    assert "More than 3 results" in response.content.decode()


def test_the_count_reads_no_rows_tags(admin_client):
    # The rows' annotations (their tags, their DLP status) would be computed for every row counted.
    make_tag("legacy").apps.add(make_app())
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("inventory:app-list"))
    counts = [query["sql"] for query in queries if query["sql"].startswith("SELECT COUNT(*)")]
    assert response.context["table"].paginator.count == 1
    assert len(counts) == 1 and "inventory_tag" not in counts[0]


@pytest.mark.parametrize("model", ["app", "flow"])
def test_query_count_does_not_grow_with_page_size(admin_client, django_assert_max_num_queries, model):
    tag = make_tag("bulk")
    for number in range(120):
        item = make_app() if model == "app" else make_flow()
        tag_rel = tag.apps if model == "app" else tag.flows
        tag_rel.add(item)
        if number % 10 == 0:
            use_connector(item, "shared_sharepointonline")
    url = reverse(f"inventory:{model}-list")
    # The same ceiling for 25 and 200 rows: owners, environments and tags come in joins or one prefetch.
    for per_page in (25, 200):
        with django_assert_max_num_queries(12):
            response = admin_client.get(url, {"per_page": per_page, "tag": "bulk", "sort": "-modified_time"})
        assert len(response.context["table"].page.object_list) == min(per_page, 120)


def test_csv_export_is_the_filtered_set_and_formula_safe(admin_client):
    make_app("=HYPERLINK(\"http://evil\")", shared_users_count=70)
    make_app("Quiet", shared_users_count=1)
    response = admin_client.get(reverse("inventory:app-list"), {"shared_min": 50, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2
    assert rows[1][0].startswith("'=HYPERLINK")
    assert "Select" not in rows[0]


def test_chosen_columns_are_remembered_per_user(client, coe_admin, manager):
    make_app("Visible")
    client.force_login(coe_admin)
    url = reverse("inventory:app-list")
    response = client.post(reverse("inventory:columns", args=["app"]),
                           {"columns": ["environment", "owner"], "query": "q=Vis"})
    assert response["Location"] == url + "?q=Vis"
    assert TablePreference.objects.get(user=coe_admin).columns == ["environment", "owner"]
    shown = [column.name for column in client.get(url).context["table"].columns]
    assert shown == ["select", "display_name", "environment", "owner"]
    client.force_login(manager)
    assert "kind" in [column.name for column in client.get(url).context["table"].columns]


def test_app_detail_shows_owner_connectors_tags_recommendation_and_history(admin_client, rf, coe_admin):
    app = make_app("Budget", owner=make_maker("Olga Owner", department="Finance"), recommendation="migrate",
                   recommendation_reasons="shared_widely,excel_data")
    use_connector(app, "shared_excelonlinebusiness")
    make_tag("finance").apps.add(app)
    request = rf.get("/")
    request.user = coe_admin
    audit.record(request, "tag.bulk_add", obj=app)
    page = admin_client.get(reverse("inventory:app-detail", args=[app.pk])).content.decode()
    for text in ("Olga Owner", "shared_excelonlinebusiness", "finance", "Migrate", "Shared with many users",
                 "Uses Excel workbook data", "Tag bulk add."):  # the history in words
        assert text in page


def test_a_maker_sees_their_own_flow_and_not_others(client, maker):
    mine = make_flow(creator=make_maker(email=maker.email))
    theirs = make_flow()
    client.force_login(maker)
    assert client.get(reverse("inventory:flow-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("inventory:flow-detail", args=[theirs.pk])).status_code == 404


def test_bot_and_site_lists_render(admin_client):
    assert admin_client.get(reverse("inventory:bot-list")).status_code == 200
    assert admin_client.get(reverse("inventory:site-list")).status_code == 200
