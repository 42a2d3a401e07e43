"""Migration API: makers request, follow and cancel their own migrations; CoE admins decide."""

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from inventory.models import Environment, Maker
from migrations_app.models import MigrationRequest, Wave
from migrations_app.services import requests
from tests.inventory.factories import make_app, make_environment, make_flow

pytestmark = pytest.mark.django_db

LIST = reverse("migrations-api:request-list")


@pytest.fixture
def world(maker, other_maker):
    default = make_environment(default=True)
    finance = Environment.objects.create(env_id="env-fin", display_name="Finance",
                                         dataverse_url="https://fin.crm4.dynamics.com")
    bob = Maker.objects.create(email=maker.email, display_name="Bob")
    carol = Maker.objects.create(email=other_maker.email, display_name="Carol")
    return {"finance": finance, "app": make_app("Expenses", default, owner=bob),
            "flow": make_flow("Notify", default, creator=bob), "carols": make_app("Carol's app", default, owner=carol)}


def body(world, *items, **extra):
    return {"items": [{"kind": item._meta.model_name, "id": item.pk} for item in items],
            "target": world["finance"].env_id, "reason": "Used by the whole team", **extra}


def test_a_maker_requests_their_own_items_and_follows_the_request(client, maker, world, bearer):
    created = client.post(LIST, body(world, world["app"], world["flow"]), content_type="application/json",
                          **bearer(maker))
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["state"] == "requested" and data["target"] == "env-fin" and data["job"] is None
    assert {(i["kind"], i["display_name"]) for i in data["items"]} == {("app", "Expenses"), ("flow", "Notify")}
    assert AuditEntry.objects.filter(action="migrations.request.create").count() == 1

    listed = client.get(LIST, **bearer(maker)).json()["results"]
    assert [r["id"] for r in listed] == [data["id"]]


def test_a_maker_cannot_request_or_see_someone_elses(client, maker, other_maker, world, bearer):
    refused = client.post(LIST, body(world, world["carols"]), content_type="application/json", **bearer(maker))
    # As a missing id (issue 21, finding 10): the answer does not tell that the item exists.
    assert refused.status_code == 400 and refused.json()["items"] == [f"No app with id {world['carols'].pk}."]
    theirs = requests.do_submit_request(other_maker, [world["carols"]], world["finance"], "mine")
    assert client.get(reverse("migrations-api:request-detail", args=[theirs.pk]), **bearer(maker)).status_code == 404
    assert client.get(LIST, **bearer(maker)).json()["results"] == []
    cancel = reverse("migrations-api:request-cancel", args=[theirs.pk])
    assert client.post(cancel, **bearer(maker)).status_code == 404
    assert MigrationRequest.objects.get(pk=theirs.pk).state == "requested"


def test_a_bad_body_is_a_400_that_names_the_field(client, maker, world, bearer):
    answer = client.post(LIST, {"items": [{"kind": "app", "id": 999999}], "target": "nowhere", "reason": ""},
                         content_type="application/json", **bearer(maker))
    assert answer.status_code == 400
    assert set(answer.json()) >= {"items", "target", "reason"}
    assert not MigrationRequest.objects.exists()


def test_cancel_before_the_start_only(client, maker, coe_admin, world, bearer):
    request = requests.do_submit_request(maker, [world["app"]], world["finance"], "why")
    cancel = reverse("migrations-api:request-cancel", args=[request.pk])
    assert client.post(cancel, **bearer(maker)).json()["state"] == "cancelled"
    again = client.post(cancel, **bearer(maker))
    assert again.status_code == 400 and "cancelled" in again.json()["detail"]


def test_admins_decide_in_bulk_and_refusals_are_named(client, maker, coe_admin, manager, world, bearer):
    first = requests.do_submit_request(maker, [world["app"]], world["finance"], "why")
    second = requests.do_submit_request(maker, [world["flow"]], world["finance"], "why")
    second.cancel()
    wave = Wave.objects.create(name="December")
    decide = reverse("migrations-api:request-decide")
    payload = {"requests": [first.pk, second.pk], "approve": True, "message": "Go", "wave": wave.pk}
    assert client.post(decide, payload, content_type="application/json", **bearer(maker)).status_code == 403
    assert client.post(decide, payload, content_type="application/json", **bearer(manager)).status_code == 403
    answer = client.post(decide, payload, content_type="application/json", **bearer(coe_admin)).json()
    assert [r["id"] for r in answer["changed"]] == [first.pk]
    assert answer["changed"][0]["state"] == "scheduled" and answer["changed"][0]["wave"]["name"] == "December"
    assert answer["refused"][0]["id"] == second.pk and "cancelled" in answer["refused"][0]["detail"]
    assert AuditEntry.objects.filter(action="migrations.request.approve").count() == 1
    assert [r["id"] for r in client.get(LIST + "?state=scheduled", **bearer(coe_admin)).json()["results"]] == [
        first.pk]


def test_list_queries_do_not_grow_with_the_page(client, maker, world, bearer, django_assert_max_num_queries):
    for n in range(12):
        app = make_app(f"App {n}", world["app"].environment, owner=world["app"].owner)
        requests.do_submit_request(maker, [app], world["finance"], "why")
    headers = bearer(maker)
    with django_assert_max_num_queries(8):
        rows = client.get(LIST + "?page_size=10", **headers).json()["results"]
    assert len(rows) == 10


def _draft(world):
    """A draft request, as a maker's "migrate" e-mail answer makes it."""
    from migrations_app.services.drafts import do_draft_from_answer

    [draft] = do_draft_from_answer(world["app"].owner, [world["app"]], "from the e-mail")
    return draft


def test_admins_do_not_see_makers_drafts_the_maker_does(client, maker, coe_admin, world, bearer):
    draft = _draft(world)
    sent = requests.do_submit_request(maker, [world["flow"]], world["finance"], "why")
    admin = bearer(coe_admin)
    assert [r["id"] for r in client.get(LIST, **admin).json()["results"]] == [sent.pk]
    assert client.get(LIST + "?state=draft", **admin).json()["results"] == []
    assert client.get(reverse("migrations-api:request-detail", args=[draft.pk]), **admin).status_code == 404
    assert client.post(reverse("migrations-api:request-cancel", args=[draft.pk]), **admin).status_code == 404
    own = bearer(maker)
    assert {r["id"] for r in client.get(LIST, **own).json()["results"]} == {draft.pk, sent.pk}
    assert [r["id"] for r in client.get(LIST + "?state=draft", **own).json()["results"]] == [draft.pk]
    assert MigrationRequest.objects.get(pk=draft.pk).state == "draft"


def test_an_admin_sees_their_own_draft(client, coe_admin, world, bearer):
    Maker.objects.filter(pk=world["app"].owner_id).update(email=coe_admin.email)
    world["app"].refresh_from_db()
    draft = _draft(world)
    assert [r["id"] for r in client.get(LIST, **bearer(coe_admin)).json()["results"]] == [draft.pk]


@pytest.mark.parametrize("approve, message", [(True, "Go"), (False, "Not now")])
def test_bulk_decisions_never_touch_a_draft(client, maker, coe_admin, world, bearer, approve, message):
    draft = _draft(world)
    sent = requests.do_submit_request(maker, [world["flow"]], world["finance"], "why")
    payload = {"requests": [draft.pk, sent.pk], "approve": approve, "message": message}
    answer = client.post(reverse("migrations-api:request-decide"), payload, content_type="application/json",
                         **bearer(coe_admin)).json()
    assert [r["id"] for r in answer["changed"]] == [sent.pk]
    assert answer["refused"] == [{"id": draft.pk, "detail": "No such request."}]  # as an unknown id: not the queue's
    draft.refresh_from_db()
    assert (draft.state, draft.decided_by, draft.admin_message) == ("draft", None, "")
