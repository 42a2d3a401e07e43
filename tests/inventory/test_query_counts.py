"""No list or detail page of the inventory runs more queries for more rows (acceptance 3 of the triage issue).

Each list page is asked for 25 and for 200 rows of 120+ items under the same ceiling; each detail
page is read with one of everything and with many, under the same ceiling.
"""

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from inventory.models import App, Bot, CleanupCase, Connector, Flow, PagesSite
from tests.inventory.factories import make_app, make_environment, make_flow, make_maker, make_tag, use_connector

pytestmark = pytest.mark.django_db
ROWS = 120


def _many_environments():
    for number in range(ROWS):
        make_environment(default=number == 0)


def _many_makers():
    for _ in range(ROWS):
        make_maker()


def _many_connectors():
    Connector.objects.bulk_create([Connector(connector_id=f"shared_c{n}", display_name=f"C {n}") for n in range(ROWS)])


def _many(model, id_field):
    environment = make_environment()
    for _ in range(ROWS):
        model.objects.create(**{id_field: str(uuid.uuid4())}, environment=environment, display_name="Item",
                             owner=make_maker())


def _many_items(maker):
    tag = make_tag("many")
    for number in range(ROWS):
        item = maker()
        (tag.apps if isinstance(item, App) else tag.flows).add(item)
        if number % 10 == 0:
            use_connector(item, "shared_sharepointonline")


LISTS = {
    "environment": (_many_environments, {"sort": "display_name"}),
    "maker": (_many_makers, {"sort": "-email"}),
    "connector": (_many_connectors, {"sort": "connector_id"}),
    "bot": (lambda: _many(Bot, "bot_id"), {"sort": "display_name"}),
    "site": (lambda: _many(PagesSite, "site_id"), {"sort": "display_name"}),
    "app": (lambda: _many_items(make_app), {"sort": "-modified_time", "tag": "many"}),
    "flow": (lambda: _many_items(make_flow), {"sort": "display_name", "tag": "many"}),
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_list_page_query_count_does_not_grow_with_page_size(admin_client, django_assert_max_num_queries, name):
    build, params = LISTS[name]
    build()
    url = reverse(f"inventory:{name}-list")
    for per_page in (25, 200):
        with django_assert_max_num_queries(12):
            response = admin_client.get(url, {**params, "per_page": per_page})
        assert response.status_code == 200
        assert len(response.context["table"].page.object_list) == min(per_page, ROWS)


def _rich(item, count, admin):
    """Give `item` `count` connectors, tags, history entries and clean-up cases (one with a backup)."""
    for number in range(count):
        use_connector(item, f"shared_conn{number}_{item.pk}")
        (make_tag(f"t{number}-{uuid.uuid4().hex[:6]}").apps if isinstance(item, App) else
         make_tag(f"t{number}-{uuid.uuid4().hex[:6]}").flows).add(item)
        AuditEntry.objects.create(actor=admin, actor_name="alice", action="tag.bulk_add",
                                  object_type=ContentType.objects.get_for_model(item), object_id=str(item.pk))
        kind = "app" if isinstance(item, App) else "flow"
        CleanupCase.objects.create(**{kind: item}, stage="released")


@pytest.mark.parametrize("model", [App, Flow])
def test_detail_page_query_count_does_not_grow_with_its_connectors_tags_history_and_cases(
        admin_client, coe_admin, django_assert_max_num_queries, model):
    make_environment()
    maker = make_app if model is App else make_flow
    small, large = maker(), maker()
    _rich(small, 1, coe_admin)
    _rich(large, 30, coe_admin)
    name = model._meta.model_name
    for item in (small, large):
        with django_assert_max_num_queries(14):
            response = admin_client.get(reverse(f"inventory:{name}-detail", args=[item.pk]))
        assert response.status_code == 200
    assert response.content.decode().count("Tag bulk add.") == 30  # the history in words


def test_maker_detail_of_their_own_item_is_bounded_too(client, maker, django_assert_max_num_queries):
    owner = make_maker(email=maker.email)
    app = make_app(owner=owner)
    for number in range(30):
        use_connector(app, f"shared_mine{number}")
    client.force_login(maker)
    with django_assert_max_num_queries(15):  # the maker's asks and the answers about the item: one query each
        response = client.get(reverse("inventory:app-detail", args=[app.pk]))
    assert response.status_code == 200 and "shared_mine29" in response.content.decode()
