"""The app and flow lists' controls: the connector filter (strict, by id), suggestions by display name,
the custom-connector filter, "Any" for no filter, the connector tier's Unknown, and the active-filter summary."""

import pytest
from django.urls import reverse

from inventory.models import Connector, ConnectorUsage
from tests.inventory.factories import make_app, make_environment, make_flow

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    make_environment()
    sharepoint = Connector.objects.create(connector_id="shared_sharepointonline", display_name="SharePoint",
                                          tier="standard")
    invoices = Connector.objects.create(connector_id="shared_invoices-5f1", display_name="Contoso Invoices",
                                        is_custom=True)
    listed = {name: make_app(name) for name in ("On SharePoint", "On invoices", "On nothing")}
    ConnectorUsage.objects.create(app=listed["On SharePoint"], connector=sharepoint)
    ConnectorUsage.objects.create(app=listed["On invoices"], connector=invoices)
    ConnectorUsage.objects.create(flow=make_flow("Flow on invoices"), connector=invoices)
    return listed


def names(response):
    return sorted(row.record.display_name for row in response.context["table"].page.object_list)


class TestListControls:
    def test_an_unknown_connector_is_a_400_that_names_it(self, admin_client, world):
        response = admin_client.get(reverse("inventory:app-list"), {"connector": "SharePoint Online"})
        assert response.status_code == 400
        assert "Unknown connector “SharePoint Online”" in response.content.decode()
        assert names(admin_client.get(reverse("inventory:app-list"), {"connector": "shared_SharePointOnline"})) == [
            "On SharePoint"]

    def test_the_api_refuses_an_unknown_connector_too(self, admin_client, world):
        response = admin_client.get(reverse("inventory-api:app-list"), {"connector": "nope"})
        assert response.status_code == 400 and "nope" in response.content.decode()

    def test_items_using_any_custom_connector(self, admin_client, world):
        assert names(admin_client.get(reverse("inventory:app-list"), {"custom_connector": "true"})) == ["On invoices"]
        assert names(admin_client.get(reverse("inventory:app-list"), {"custom_connector": "false"})) == [
            "On SharePoint", "On nothing"]
        assert names(admin_client.get(reverse("inventory:flow-list"), {"custom_connector": "true"})) == [
            "Flow on invoices"]

    def test_suggestions_match_the_display_name(self, admin_client, world):
        page = admin_client.get(reverse("inventory:connector-suggest"), {"connector": "contoso"}).content.decode()
        assert 'data-pick="shared_invoices-5f1"' in page and "Contoso Invoices" in page and "custom" in page
        assert "shared_sharepointonline" not in page
        nothing = admin_client.get(reverse("inventory:connector-suggest"), {"connector": "zzz"}).content.decode()
        assert "No connector is named like “zzz”" in nothing
        assert "data-pick" not in admin_client.get(reverse("inventory:connector-suggest"),
                                                   {"connector": "c"}).content.decode()  # one letter: no list yet

    def test_no_filter_reads_any_never_unknown(self, admin_client, world):
        page = admin_client.get(reverse("inventory:app-list")).content.decode()
        start = page.index('class="card filter-panel"')
        filters = page[start:page.index("</details>", start)]
        assert '<option value="" selected>Any</option>' in filters and '<option value="true">Yes</option>' in filters
        assert ">Unknown<" not in filters and "---------" not in filters
        bound = admin_client.get(reverse("inventory:app-list"), {"default_environment": "true"}).content.decode()
        chosen = bound[bound.index('name="default_environment"'):bound.index("</select>", bound.index(
            'name="default_environment"'))]
        assert '<option value="true" selected>Yes</option>' in chosen and '<option value="" selected>' not in chosen

    def test_the_connector_tier_unknown_filters_unknown_tiers(self, admin_client, world):
        url = reverse("inventory:connector-list")
        unknown = admin_client.get(url, {"tier": "unknown"})
        assert [row.record.connector_id for row in unknown.context["table"].page.object_list] == [
            "shared_invoices-5f1"]
        assert len(admin_client.get(url).context["table"].page.object_list) == 2

    def test_the_summary_names_the_filters_applied(self, admin_client, world):
        response = admin_client.get(reverse("inventory:app-list"), {"connector": "shared_sharepointonline",
                                                                     "custom_connector": "false"})
        assert response.context["active_filters"] == [("Connector", "SharePoint"),
                                                      ("Uses a custom connector", "no")]
        part = admin_client.get(reverse("inventory:app-list"), {"connector": "shared_sharepointonline"},
                                HTTP_HX_REQUEST="true").content.decode()
        assert 'id="active-filters" data-active-filters hx-swap-oob="true"' in part and "Connector: SharePoint" in part
