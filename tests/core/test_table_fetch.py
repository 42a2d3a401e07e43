"""A table reads only what its shown columns need (FetchShownMixin), and a page by its keys first."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from coe_portal.core.generic import paginate
from inventory.models import App
from inventory.tables import AppTable
from tests.inventory.factories import make_app, make_maker, make_tag

pytestmark = pytest.mark.django_db


def _page(table, **query):
    paginate(table, RequestFactory().get("/", query), per_page=2)
    with CaptureQueriesContext(connection) as queries:
        records = [row.record for row in table.page.object_list]
    return records, [query["sql"] for query in queries]


def test_it_reads_the_shown_columns_and_nothing_else():
    make_tag("legacy").apps.add(make_app("Budget", owner=make_maker("Fay")))
    table = AppTable(App.objects.all(), exclude=("owner", *AppTable.default_hidden))
    (record,), (sql,) = _page(table)
    assert "inventory_maker" not in sql  # the hidden owner column is not joined
    assert {"data_sources", "open_url", "owner_id"} <= record.get_deferred_fields()
    assert record.environment.display_name and record.tag_labels == [{"name": "legacy", "colour": "#6b7280"}]
    with CaptureQueriesContext(connection) as more:
        table.fast_rows()
    assert len(more) == 0  # rendering the row reads nothing more


def test_a_page_selects_its_keys_first_in_the_sorted_order():
    for name in ("Cedar", "Alder", "Birch", "Dogwood"):
        make_app(name)
    records, (sql,) = _page(AppTable(App.objects.all()), sort="-display_name", page=2)
    assert [record.display_name for record in records] == ["Birch", "Alder"]
    assert '"inventory_app"."id" IN (SELECT' in sql and "LIMIT 2 OFFSET 2)" in sql
