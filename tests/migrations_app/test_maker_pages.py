"""The maker's pages: My items (search, filters, sort, reasons), the request page's targets, the connection picker."""

import pytest
from django.urls import reverse

from dlp.models import ImpactRun, Policy, PolicyConnector
from dlp.services.impact import compute
from inventory.models import Connector, Environment, Maker
from migrations_app.request_forms import ConnectionsForm
from tests.inventory.factories import make_app, make_environment, make_flow, use_connector

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(maker, other_maker):
    default = make_environment(default=True)
    bob = Maker.objects.create(email=maker.email, display_name="Bob Maker")
    carol = Maker.objects.create(email=other_maker.email, display_name="Carol Other")
    finance = Environment.objects.create(env_id="env-fin", display_name="Finance",
                                         dataverse_url="https://fin.crm4.dynamics.com")
    expenses = make_app("Expenses", default, owner=bob, recommendation="migrate",
                        recommendation_reasons="excel_data")
    tweeter = make_app("Tweeter", default, owner=bob)
    notify = make_flow("Notify", default, creator=bob)
    make_app("Carol's app", default, owner=carol)
    use_connector(tweeter, "shared_twitter")
    policy = Policy.objects.create(name="p1", display_name="No social media", scope="AllEnvironments")
    PolicyConnector.objects.create(policy=policy, connector=Connector.objects.get(connector_id="shared_twitter"),
                                   group="blocked")
    compute(ImpactRun.objects.create())
    return {"default": default, "finance": finance, "bob": bob, "carol": carol, "expenses": expenses,
            "tweeter": tweeter, "notify": notify}


def names(response):
    return [row.item.display_name for row in response.context["rows"]]


class TestMyItems:
    def test_it_links_each_item_and_says_why_for_recommendations_and_dlp_breaks(self, client, maker, world):
        client.force_login(maker)
        response = client.get(reverse("migrations_app:my-items"))
        page = response.content.decode()
        assert names(response) == ["Expenses", "Notify", "Tweeter"]
        assert f'href="{world["expenses"].get_absolute_url()}"' in page
        assert "Uses Excel workbook data" in page
        assert "DLP policy “No social media”: uses the blocked connector shared_twitter" in page
        assert "Carol" not in page

    def test_it_searches_filters_and_sorts(self, client, maker, world):
        client.force_login(maker)
        url = reverse("migrations_app:my-items")
        assert names(client.get(url, {"q": "twe"})) == ["Tweeter"]
        assert names(client.get(url, {"kind": "flow"})) == ["Notify"]
        assert names(client.get(url, {"dlp": "broken"})) == ["Tweeter"]
        assert names(client.get(url, {"recommendation": "migrate"})) == ["Expenses"]
        assert names(client.get(url, {"sort": "-name"})) == ["Tweeter", "Notify", "Expenses"]
        assert names(client.get(url, {"sort": "kind"})) == ["Expenses", "Tweeter", "Notify"]

    def test_a_filter_change_returns_the_table_alone_and_a_bad_value_is_named(self, client, maker, world):
        client.force_login(maker)
        url = reverse("migrations_app:my-items")
        partial = client.get(url, {"q": "Exp"}, headers={"HX-Request": "true"}).content.decode()
        assert "<h1>" not in partial and "1 item match the filters." in partial
        refused = client.get(url, {"kind": "robot"})
        assert refused.status_code == 400
        assert "Kind: Select a valid choice. robot is not one of the available choices." in refused.content.decode()
        empty = client.get(url, {"q": "nothing like it"}).content.decode()
        assert "None of your items matches these filters." in empty

    def test_someone_else_sees_only_their_own(self, client, other_maker, world):
        client.force_login(other_maker)
        assert names(client.get(reverse("migrations_app:my-items"))) == ["Carol's app"]


class TestRequestTargets:
    def test_each_refused_environment_names_the_policy_rule_and_connector(self, client, maker, world):
        client.force_login(maker)
        page = client.get(reverse("migrations_app:request-new"), {"app": world["tweeter"].pk}).content.decode()
        assert "No environment is offered for these items" in page
        assert "<strong>Finance</strong>" in page
        assert "Tweeter: DLP policy “No social media”: uses the blocked connector shared_twitter" in page
        assert "Ask the CoE team." not in page

    def test_only_the_makers_own_environment_is_preselected(self, client, maker, world):
        mine = Environment.objects.create(env_id="env-bob", display_name="Bob Maker's Environment",
                                          environment_type="Developer", creator=world["bob"],
                                          dataverse_url="https://bob.crm4.dynamics.com")
        theirs = Environment.objects.create(env_id="env-carol", display_name="Carol Other's Environment",
                                            environment_type="Developer", creator=world["carol"],
                                            dataverse_url="https://carol.crm4.dynamics.com")
        client.force_login(maker)
        url = reverse("migrations_app:request-new")
        form = client.get(url, {"app": world["expenses"].pk}).context["form"]
        labels = dict(form.fields["target"].choices)
        assert form["target"].value() == mine.pk
        assert labels[mine.pk] == "Bob Maker's Environment (yours)"
        assert labels[theirs.pk] == "Carol Other's Environment (developer environment of Carol Other)"
        mine.delete()
        form = client.get(url, {"app": world["expenses"].pk}).context["form"]
        assert form["target"].value() is None  # Carol's or Finance: the maker chooses
        assert '<option value="" selected>Choose an environment</option>' in str(form["target"])


class TestConnectionPicker:
    REF = {"logical_name": "coe_sp", "connector_id": "shared_sharepointonline", "display_name": "SharePoint",
           "choices": [{"id": "c-carol", "display_name": "Carol's SharePoint", "status": "Connected",
                        "created_by": "11111111-1111-1111-1111-111111111111", "created_by_email": "carol@x.example"},
                       {"id": "c-bob", "display_name": "Bob's SharePoint", "status": "Connected",
                        "created_by": "22222222-2222-2222-2222-222222222222", "created_by_email": "bob@x.example"}]}

    def test_the_requesters_connections_come_first_and_others_are_explained(self):
        form = ConnectionsForm(refs=[self.REF], who=({"22222222-2222-2222-2222-222222222222"}, set()))
        field = form.fields["coe_sp"]
        groups = [label for label, _ in field.choices[1:]]
        assert groups == ["Your connections", "Other people's connections (they run with that person's account)"]
        assert field.choices[1][1] == [("c-bob", "Bob's SharePoint (Connected)")]
        assert "1 of other people are listed after them" in field.help_text
        assert form.__class__(data={"coe_sp": "c-bob"}, refs=[self.REF], who=(set(), set())).is_valid()

    def test_with_none_of_their_own_it_says_why_others_are_listed(self):
        form = ConnectionsForm(refs=[self.REF], who=(set(), {"dora@x.example"}))
        assert "You have no connection to shared_sharepointonline in the target" in form.fields["coe_sp"].help_text
