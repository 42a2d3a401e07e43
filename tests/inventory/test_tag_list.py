"""The tag list counts each tag's apps and flows without joining both link tables (linear at 300,000 items)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import Tag
from tests.inventory.factories import make_app, make_flow, make_tag

pytestmark = pytest.mark.django_db


def _tagged(name, apps, flows):
    tag = make_tag(name)
    tag.apps.add(*[make_app() for _ in range(apps)])
    tag.flows.add(*[make_flow() for _ in range(flows)])
    return tag


def _rows(response):
    return [(row.record.name, row.get_cell("apps"), row.get_cell("flows"))
            for row in response.context["table"].paginated_rows]


def test_each_tag_shows_its_own_app_and_flow_counts(admin_client):
    _tagged("Both", apps=3, flows=4)
    _tagged("Apps only", apps=2, flows=0)
    _tagged("Unused", apps=0, flows=0)
    response = admin_client.get(reverse("inventory:tag-list"))
    assert _rows(response) == [("Apps only", 2, 0), ("Both", 3, 4), ("Unused", 0, 0)]


@pytest.mark.parametrize("sort,expected", [
    ("-apps", ["Both", "Apps only", "Flows", "Unused"]),
    ("flows", ["Unused", "Apps only", "Both", "Flows"]),
])
def test_the_tag_list_sorts_by_its_counts(admin_client, sort, expected):
    _tagged("Both", apps=3, flows=4)
    _tagged("Apps only", apps=2, flows=1)
    _tagged("Flows", apps=1, flows=6)
    _tagged("Unused", apps=0, flows=0)
    response = admin_client.get(reverse("inventory:tag-list"), {"sort": sort})
    assert [name for name, _, _ in _rows(response)] == expected


def test_the_tag_list_never_joins_the_app_and_flow_links_in_one_query(admin_client):
    """A join of both link tables makes apps x flows rows per tag: over 60 s at 300,000 items."""
    _tagged("Both", apps=2, flows=2)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("inventory:tag-list"))
    assert response.status_code == 200
    listing = [q["sql"] for q in queries if '"inventory_tag"' in q["sql"] and "inventory_app_tags" in q["sql"]]
    assert listing, "the tag list query was not seen"
    for sql in listing:
        assert not ('JOIN "inventory_app_tags"' in sql and 'JOIN "inventory_flow_tags"' in sql), sql


def test_tag_list_query_count_does_not_grow_with_page_size(admin_client, django_assert_max_num_queries):
    Tag.objects.bulk_create([Tag(name=f"Tag {n:03}", slug=f"tag-{n:03}") for n in range(120)])
    _tagged("Busy", apps=3, flows=3)
    for per_page in (25, 200):
        with django_assert_max_num_queries(8):
            response = admin_client.get(reverse("inventory:tag-list"), {"per_page": per_page, "sort": "-apps"})
        assert response.status_code == 200
        assert _rows(response)[0] == ("Busy", 3, 3)
