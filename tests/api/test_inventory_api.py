"""The inventory API: the same roles as the UI, makers' own items only, tags, filters and keyset paging."""

import pytest

from coe_portal.core.models import AuditEntry
from inventory.models import App

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(item["display_name"] for item in response.json()["results"])


class TestInventoryApi:
    def test_it_gives_a_maker_only_their_own_apps(self, client, maker, inventory, bearer):
        response = client.get("/api/inventory/apps/", **bearer(maker))
        assert response.status_code == 200
        assert names(response) == ["Budget", "Leave requests"]

    def test_it_hides_another_makers_item_as_not_found(self, client, maker, inventory, bearer):
        leads = inventory["apps"][2]
        assert client.get(f"/api/inventory/apps/{leads.pk}/", **bearer(maker)).status_code == 404
        mine = inventory["flows"][0]
        assert client.get(f"/api/inventory/flows/{mine.pk}/", **bearer(maker)).status_code == 200

    def test_it_gives_managers_every_item(self, client, manager, inventory, bearer):
        assert names(client.get("/api/inventory/apps/", **bearer(manager))) == ["Budget", "Leads", "Leave requests"]

    def test_it_shows_connectors_and_tags_of_an_item(self, client, coe_admin, inventory, bearer):
        budget = inventory["apps"][0]
        body = client.get(f"/api/inventory/apps/{budget.pk}/", **bearer(coe_admin)).json()
        assert body["connectors"] == [{"connector": "shared_sharepointonline", "connection_id": "conn-1",
                                       "is_implicitly_shared": False}]
        assert body["owner"]["department"] == "Finance"
        assert body["environment"] == "Default-1"

    def test_it_filters_with_the_list_pages_filterset(self, client, coe_admin, inventory, bearer):
        sales = inventory["environments"][1]
        assert names(client.get(f"/api/inventory/apps/?environment={sales.pk}", **bearer(coe_admin))) == [
            "Leave requests"]
        assert names(client.get("/api/inventory/apps/?q=lea", **bearer(coe_admin))) == ["Leads", "Leave requests"]

    def test_it_pages_with_a_cursor(self, client, coe_admin, inventory, bearer):
        headers = bearer(coe_admin)
        first = client.get("/api/inventory/apps/?page_size=2", **headers).json()
        assert len(first["results"]) == 2 and first["next"]
        second = client.get(first["next"], **headers).json()
        seen = {item["app_id"] for item in first["results"] + second["results"]}
        assert seen == {"a-budget", "a-leave", "a-leads"} and second["next"] is None

    def test_an_admin_adds_and_removes_tags_and_it_is_audited(self, client, coe_admin, inventory, bearer):
        budget = inventory["apps"][0]
        url = f"/api/inventory/apps/{budget.pk}/tags/"
        headers = bearer(coe_admin)
        response = client.post(url, {"add": ["migrate", "critical"]}, content_type="application/json", **headers)
        assert [tag["slug"] for tag in response.json()] == ["critical", "migrate"]
        client.post(url, {"remove": ["critical"]}, content_type="application/json", **headers)
        assert list(budget.tags.values_list("slug", flat=True)) == ["migrate"]
        actions = AuditEntry.objects.filter(action="inventory.tags", object_id=str(budget.pk))
        assert actions.count() == 2 and actions.first().actor == coe_admin

    def test_it_refuses_unknown_tags_and_changes_nothing(self, client, coe_admin, inventory, bearer):
        budget = inventory["apps"][0]
        response = client.post(f"/api/inventory/apps/{budget.pk}/tags/", {"add": ["migrate", "nope"]},
                               content_type="application/json", **bearer(coe_admin))
        assert response.status_code == 400
        assert "Unknown tags: nope" in str(response.json())
        assert not budget.tags.exists()

    def test_a_maker_cannot_tag_even_their_own_item(self, client, maker, inventory, bearer):
        budget = inventory["apps"][0]
        response = client.post(f"/api/inventory/apps/{budget.pk}/tags/", {"add": ["migrate"]},
                               content_type="application/json", **bearer(maker))
        assert response.status_code == 403
        assert not budget.tags.exists()

    def test_queries_do_not_grow_with_page_size(self, client, coe_admin, inventory, bearer,
                                                django_assert_max_num_queries):
        headers = bearer(coe_admin)
        environment = inventory["environments"][0]
        App.objects.bulk_create(App(app_id=f"bulk-{n}", environment=environment, display_name=f"Bulk {n}")
                                for n in range(120))
        with django_assert_max_num_queries(12):
            small = client.get("/api/inventory/apps/?page_size=5", **headers)
        with django_assert_max_num_queries(12):
            large = client.get("/api/inventory/apps/?page_size=100", **headers)
        assert len(small.json()["results"]) == 5 and len(large.json()["results"]) == 100


def test_it_filters_and_shows_the_migration_status(client, coe_admin, inventory, bearer):
    budget, sales = inventory["apps"][0], inventory["environments"][1]
    App.objects.filter(pk=budget.pk).update(migration_status="done", migration_target=sales)
    body = client.get("/api/inventory/apps/?migration=migrated", **bearer(coe_admin)).json()
    assert [(item["display_name"], item["migration_status"], item["migration_target"])
            for item in body["results"]] == [("Budget", "done", sales.pk)]
    assert names(client.get("/api/inventory/apps/?migration=none", **bearer(coe_admin))) == ["Leads",
                                                                                           "Leave requests"]
