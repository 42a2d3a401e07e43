"""The Graph sendMail backend, with a real msal app token, against the fake tenant's Graph server."""

import pytest

from coe_portal.powerplatform.fake.routes_mail import mailbox
from comms.choices import CampaignStatus, DeliveryStatus
from comms.models import Campaign, Delivery
from comms.services import campaigns, sending
from tests.comms.factories import make_app, make_maker, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def graph(settings, make_tenant):
    tenant, servers = make_tenant(environments=1, apps=1, flows=1)
    settings.COMMS_BACKEND, settings.COMMS_SENDER = "graph", "coe@contoso.example"
    settings.COMMS_RATE_MESSAGES = 1000
    sending.message_limit().reset(), sending.recipient_limit().reset()
    return tenant


def launch(default_templates):
    tag = make_tag()
    for email in ("ann@contoso.example", "ben@contoso.example"):
        make_app(owner=make_maker(email=email), tags=[tag], name=f"App of {email}")
    campaign = Campaign.objects.create(name="Clean-up", template=default_templates.first(), tag=tag,
                                       status=CampaignStatus.SCHEDULED)
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    return list(campaign.deliveries.order_by("to").values_list("pk", flat=True))


def test_messages_go_out_through_graph_send_mail(graph, default_templates):
    ids = launch(default_templates)
    assert sending.send_deliveries(ids) == (2, [])
    sent = mailbox(graph)
    assert [message["to"] for message in sent] == [["ann@contoso.example"], ["ben@contoso.example"]]
    assert sent[0]["sender"] == "coe@contoso.example" and sent[0]["content_type"] == "HTML"
    assert "App of ann@contoso.example" in sent[0]["body"] and sent[0]["headers"]["X-CoE-Delivery"] == str(ids[0])
    assert sending.send_deliveries(ids) == (0, [])  # never a second copy
    assert len(mailbox(graph)) == 2


def test_a_refused_sender_is_logged_as_failed_with_graphs_reason(graph, default_templates, settings):
    settings.COMMS_SENDER = "not-a-mailbox"
    ids = launch(default_templates)
    assert sending.send_deliveries(ids[:1]) == (0, ids[:1])
    delivery = Delivery.objects.get(pk=ids[0])
    assert delivery.status == DeliveryStatus.FAILED and "Graph 404" in delivery.error
    assert "ErrorInvalidUser" in delivery.error and not mailbox(graph)
