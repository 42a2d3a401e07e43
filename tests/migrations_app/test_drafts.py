"""A maker's "migrate" e-mail answer drafts a prefilled request; the maker checks and sends it to the queue."""

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from comms.choices import CampaignStatus
from comms.links import make_token
from comms.models import Campaign, Recipient
from comms.services import campaigns
from comms.signals import maker_answered
from inventory.models import Environment, Maker
from migrations_app.models import MigrationRequest
from migrations_app.services import requests
from tests.comms.conftest import default_templates  # noqa: F401  (the shipped e-mail templates)
from tests.inventory.factories import make_app, make_environment, make_flow, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(maker):
    default = make_environment(default=True)
    finance = Environment.objects.create(env_id="env-fin", display_name="Finance",
                                         dataverse_url="https://fin.crm4.dynamics.com")
    bob = Maker.objects.create(email=maker.email, display_name="Bob")
    tag = make_tag("move-me")
    app, flow = make_app("Expenses", default, owner=bob), make_flow("Notify", default, creator=bob)
    app.tags.add(tag)
    flow.tags.add(tag)
    return {"default": default, "finance": finance, "bob": bob, "app": app, "flow": flow, "tag": tag}


def answer(world, items=None, justification="Used by the whole team"):
    maker_answered.send(sender=Recipient, maker=world["bob"], items=items or [world["app"], world["flow"]],
                        answer="migrate", justification=justification)


def test_the_answer_link_drafts_a_prefilled_request(client, world, default_templates,  # noqa: F811
                                                    django_capture_on_commit_callbacks):
    campaign = Campaign.objects.create(name="Move out", template=default_templates.first(), tag=world["tag"],
                                       status=CampaignStatus.SCHEDULED, cadence_days=7, max_reminders=3)
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    recipient = Recipient.objects.get()
    entries = [str(pk) for pk in recipient.items.values_list("pk", flat=True)]
    link = reverse("comms:answer", kwargs={"token": make_token(recipient.code, "migrate")})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link, {"items": entries, "justification": "Payroll needs it"})
    draft = MigrationRequest.objects.get()
    # Finance is nobody's own environment: the maker chooses it when checking the draft, it is never chosen for them
    assert (draft.state, draft.requested_by.email, draft.target) == ("draft", world["bob"].email, None)
    assert draft.reason == 'Answered "Migrate" to the CoE team\'s e-mail. Payroll needs it'
    assert sorted(str(row.item) for row in draft.items.all()) == ["Expenses", "Notify"]
    assert AuditEntry.objects.filter(action="migration.request.draft", object_id=str(draft.pk)).exists()
    world["app"].refresh_from_db()
    assert world["app"].migration_status == ""  # not on its way until the maker sends it


def test_the_maker_checks_and_sends_the_draft(client, maker, coe_admin, world):
    answer(world)
    draft = MigrationRequest.objects.get()
    client.force_login(coe_admin)
    assert list(client.get(reverse("migrations_app:request-queue")).context["table"].page.object_list) == []
    client.force_login(maker)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Check and send this draft" in page and "Used by the whole team" in page
    response = client.post(reverse("migrations_app:request-send", args=[draft.pk]),
                           {"target": world["finance"].pk, "reason": "Team app, 40 users",
                            "preferred_from": "2026-12-01", "source_action": "keep"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.state, draft.reason, draft.source_action, str(draft.preferred_from)) == (
        "requested", "Team app, 40 users", "keep", "2026-12-01")
    world["flow"].refresh_from_db()
    assert world["flow"].migration_status == "requested"
    assert AuditEntry.objects.filter(action="migration.request.send", actor=maker).exists()
    client.force_login(coe_admin)
    queue = client.get(reverse("migrations_app:request-queue")).context["table"].page.object_list
    assert [row.record.pk for row in queue] == [draft.pk]


def test_a_sent_request_cannot_be_sent_again_and_a_bad_form_changes_nothing(client, maker, world):
    answer(world)
    draft = MigrationRequest.objects.get()
    client.force_login(maker)
    client.post(reverse("migrations_app:request-send", args=[draft.pk]), {"target": world["finance"].pk,
                                                                         "reason": ""})
    draft.refresh_from_db()
    assert draft.state == "draft"
    client.post(reverse("migrations_app:request-send", args=[draft.pk]), {"target": world["finance"].pk,
                                                                         "reason": "ok", "source_action": "keep"})
    response = client.post(reverse("migrations_app:request-send", args=[draft.pk]),
                           {"target": world["finance"].pk, "reason": "again", "source_action": "keep"}, follow=True)
    draft.refresh_from_db()
    assert draft.reason == "ok" and "is not a draft" in response.content.decode()


def test_a_draft_can_be_discarded_and_blocks_a_second_draft_until_then(world, maker):
    answer(world)
    answer(world)  # reminders answered twice: still one draft
    draft = MigrationRequest.objects.get()
    draft.cancel()
    assert draft.state == "cancelled"
    answer(world, items=[world["app"]])
    assert MigrationRequest.objects.filter(state="draft").get().items.get().app == world["app"]


def test_no_draft_for_items_on_their_way_others_items_or_makers_without_an_account(world, maker, coe_admin):
    requests.do_submit_request(maker, [world["app"]], world["finance"], "Already asked")
    carol = Maker.objects.create(email="carol@contoso.example", display_name="Carol")
    carols = make_app("Carol's app", world["default"], owner=carol)
    answer(world, items=[world["app"], carols])
    assert not MigrationRequest.objects.filter(state="draft").exists()
    maker_answered.send(sender=Recipient, maker=carol, items=[carols], answer="migrate", justification="")
    assert MigrationRequest.objects.count() == 1


def test_items_of_two_environments_get_a_draft_each(world, maker):
    other = make_environment(default=False)
    moved = make_app("In another env", other, owner=world["bob"])
    answer(world, items=[world["app"], moved])
    drafts = MigrationRequest.objects.filter(state="draft")
    assert sorted(str(d.items.get().item) for d in drafts) == ["Expenses", "In another env"]


def test_the_admin_queue_offers_no_draft_state_and_ignores_a_draft_filter(client, coe_admin, world):
    answer(world)
    client.force_login(coe_admin)
    response = client.get(reverse("migrations_app:request-queue"), {"state": "draft"})
    offered = [value for value, _ in response.context["filterset"].form.fields["state"].choices]
    assert "draft" not in offered and "requested" in offered
    assert list(response.context["table"].page.object_list) == []
    assert 'value="draft"' not in response.content.decode()


@pytest.mark.parametrize("action, message", [("approve", ""), ("reject", "Not now")])
def test_bulk_decisions_in_the_queue_leave_drafts_alone(client, maker, coe_admin, world, action, message):
    answer(world, items=[world["app"]])
    draft = MigrationRequest.objects.get(state="draft")
    sent = requests.do_submit_request(maker, [world["flow"]], world["finance"], "Sent by Bob")
    client.force_login(coe_admin)
    response = client.post(reverse("migrations_app:request-bulk"), {"action": action, "message": message,
                                                                    "pk": [draft.pk, sent.pk]}, follow=True)
    draft.refresh_from_db()
    sent.refresh_from_db()
    assert (draft.state, draft.decided_by, draft.admin_message) == ("draft", None, "")
    assert sent.state == ("approved" if action == "approve" else "rejected")
    assert str(draft) not in " ".join(str(m) for m in response.context["messages"])  # not even named as refused
    assert not AuditEntry.objects.filter(action__startswith="migration.request.", object_id=str(draft.pk)).exclude(
        action="migration.request.draft").exists()


def test_an_admin_cannot_open_a_makers_draft_but_the_maker_can(client, maker, coe_admin, world):
    answer(world)
    draft = MigrationRequest.objects.get()
    client.force_login(coe_admin)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(maker)
    assert "Check and send this draft" in client.get(draft.get_absolute_url()).content.decode()


def test_the_item_page_shows_a_draft_to_its_maker_only(client, maker, coe_admin, world):
    answer(world, items=[world["app"]])
    client.force_login(coe_admin)
    assert 'data-migration="draft"' not in client.get(world["app"].get_absolute_url()).content.decode()
    client.force_login(maker)
    assert 'data-migration="draft"' in client.get(world["app"].get_absolute_url()).content.decode()
