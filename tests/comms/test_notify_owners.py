"""Notify owners: a campaign opened from the Campaigns page, a tag, a selection of rows; counted, then started."""

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from comms.choices import CampaignStatus
from comms.models import Campaign, Delivery
from comms.services import campaigns, sending
from tests.comms.factories import make_app, make_flow, make_maker, make_tag
from tests.support.smtp import smtp_server  # noqa: F401

pytestmark = pytest.mark.django_db

NEW = reverse("comms:campaign-new")


@pytest.fixture
def owned(db):
    """Ann owns two apps and a flow; a third app's owner has no address."""
    ann = make_maker(email="ann@contoso.example", name="Ann Lee")
    apps = [make_app(owner=ann, name=f"Ann app {n}") for n in (1, 2)]
    nobody = make_app(owner=make_maker(email=""), name="Orphan app")
    return {"ann": ann, "apps": apps, "flow": make_flow(creator=ann, name="Ann flow"), "orphan": nobody}


def campaign_data(default_templates, **fields):
    template = default_templates.get(stage="identified", audience="app_owners")
    return {"name": "Tell the owners", "template": template.pk, "source_kind": "selection", "max_reminders": 0,
            **fields}


def test_the_campaigns_page_offers_a_new_campaign(client, coe_admin):
    client.force_login(coe_admin)
    page = client.get(reverse("comms:campaign-list")).content.decode()
    assert f'href="{NEW}">New campaign</a>' in page


def test_a_selection_opens_the_form_saying_how_many_items_and_owners(client, coe_admin, owned, default_templates):
    client.force_login(coe_admin)
    ids = [app.pk for app in owned["apps"]] + [owned["orphan"].pk]
    response = client.get(NEW, {"source_kind": "selection", "app": ids})
    page = response.content.decode()
    assert response.context["form"].initial["source_kind"] == "selection"
    assert "To <strong>1 owner</strong> about <strong>3 items</strong> (3 apps, 0 flows)." in page
    assert "1 item has no owner with an e-mail address" in page


def test_no_checked_rows_says_nobody_would_be_written_to(client, coe_admin, default_templates):
    client.force_login(coe_admin)
    page = client.get(NEW, {"source_kind": "selection"}).content.decode()
    assert "No items: nobody would be written to." in page
    response = client.post(NEW, campaign_data(default_templates, start="1"))
    assert response.status_code == 400 and "No items are selected" in response.content.decode()
    assert not Campaign.objects.exists()


def test_create_and_start_writes_to_the_owners_of_the_selection(client, coe_admin, owned, default_templates,
                                                                django_capture_on_commit_callbacks):
    client.force_login(coe_admin)
    with django_capture_on_commit_callbacks() as launches:
        response = client.post(NEW, campaign_data(default_templates, start="1", app=[owned["apps"][0].pk],
                                                  flow=[owned["flow"].pk]))
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == campaign.get_absolute_url()
    assert campaign.status == CampaignStatus.SCHEDULED and len(launches) == 1
    assert campaign.selection == {"app": [owned["apps"][0].pk], "flow": [owned["flow"].pk]}
    audited = AuditEntry.objects.filter(action__startswith="comms.campaign", object_id=str(campaign.pk))
    assert sorted(audited.values_list("action", flat=True)) == ["comms.campaign.create", "comms.campaign.start"]
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)  # what the launch task does
    [delivery] = Delivery.objects.all()
    assert delivery.to == "ann@contoso.example"
    assert "Ann app 1" in delivery.body_text and "Ann flow" in delivery.body_text
    assert "Ann app 2" not in delivery.body_text


def test_save_as_draft_sends_nothing(client, coe_admin, owned, default_templates):
    client.force_login(coe_admin)
    client.post(NEW, campaign_data(default_templates, app=[owned["apps"][0].pk]))
    campaign = Campaign.objects.get()
    assert campaign.status == CampaignStatus.DRAFT and not Delivery.objects.exists()
    assert not AuditEntry.objects.filter(action="comms.campaign.start").exists()


def test_a_selection_key_of_another_session_selects_nothing(client, coe_admin, owned, default_templates):
    client.force_login(coe_admin)
    response = client.post(NEW, campaign_data(default_templates, selection="not-mine", start="1"))
    assert response.status_code == 400 and not Campaign.objects.exists()


@pytest.mark.parametrize("persona", ["maker", "manager"])
def test_only_admins_create_campaigns(client, request, persona, owned, default_templates):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(NEW, campaign_data(default_templates, start="1", app=[owned["apps"][0].pk]))
    assert response.status_code == 403 and not Campaign.objects.exists()


def test_a_tag_page_counts_its_items_and_offers_to_notify_their_owners(client, coe_admin, owned):
    tag = make_tag("Move out")
    for app in owned["apps"]:
        app.tags.add(tag)
    client.force_login(coe_admin)
    page = client.get(reverse("inventory:tag-edit", args=[tag.pk])).content.decode()
    assert "2 apps</a> and" in page and "0 flows</a>" in page
    assert f'href="{NEW}?tag={tag.pk}">Notify owners</a>' in page
    form = client.get(NEW, {"tag": tag.pk}).content.decode()
    assert "To <strong>1 owner</strong> about <strong>2 items</strong>" in form


def test_an_untagged_tag_page_says_there_is_nobody_to_notify(client, coe_admin):
    tag = make_tag("Empty tag")
    client.force_login(coe_admin)
    page = client.get(reverse("inventory:tag-edit", args=[tag.pk])).content.decode()
    assert "No app or flow carries this tag yet" in page and "Notify owners" not in page


def test_the_notify_button_is_on_the_lists_of_admins_only(client, coe_admin, manager, owned):
    client.force_login(coe_admin)
    assert "Notify owners of the checked rows" in client.get(reverse("inventory:flow-list")).content.decode()
    client.force_login(manager)
    assert "Notify owners of the checked rows" not in client.get(reverse("inventory:app-list")).content.decode()


def test_the_campaign_page_updates_itself_while_its_messages_go_out(client, coe_admin, owned, default_templates,
                                                                   smtp_server):  # noqa: F811
    for limit in (sending.message_limit(), sending.recipient_limit()):
        limit.reset()
    campaign = Campaign.objects.create(name="Tell Ann", template=default_templates.first(), source_kind="selection",
                                       selection={"app": [owned["apps"][0].pk]}, status=CampaignStatus.SCHEDULED)
    client.force_login(coe_admin)
    url = campaign.get_absolute_url()
    assert 'hx-trigger="every 2s"' in client.get(url).content.decode()
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    progress = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert progress.startswith('<div id="campaign-progress"') and "<h1>" not in progress
    assert 'hx-trigger="every 2s"' in progress and "<dd data-delivery-queued>1</dd>" in progress
    sending.send_deliveries(list(campaign.deliveries.values_list("pk", flat=True)))
    progress = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<dd data-delivery-sent>1</dd>" in progress and "hx-trigger" not in progress
