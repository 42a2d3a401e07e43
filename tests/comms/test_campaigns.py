"""Campaigns: one message per maker, sent through real SMTP under the shared limit, exactly once."""

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from comms.choices import CampaignStatus, DeliveryStatus
from comms.models import Campaign, Delivery, DepartmentHead, Recipient
from comms.services import campaigns, sending
from tests.comms.factories import make_app, make_flow, make_maker, make_tag
from tests.support.smtp import smtp_server  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_limits(settings):
    settings.COMMS_RATE_MESSAGES, settings.COMMS_RATE_WINDOW = 1000, 60
    for limit in (sending.message_limit(), sending.recipient_limit()):
        limit.reset()


def tagged_items(tag):
    ann, ben = make_maker(email="ann@contoso.example"), make_maker(email="ben@contoso.example")
    apps = [make_app(owner=ann, tags=[tag]) for _ in range(3)]
    flow = make_flow(creator=ann, tags=[tag])
    make_app(owner=ben, tags=[tag])
    make_app(owner=ben)  # not tagged
    make_app(owner=make_maker(email=""), tags=[tag])  # nobody to write to
    return ann, ben, apps, flow


def campaign_for(tag, template, **fields):
    return Campaign.objects.create(name="Clean-up", template=template, tag=tag, status=CampaignStatus.SCHEDULED,
                                   **fields)


def test_one_message_per_maker_listing_all_their_items(default_templates, smtp_server):  # noqa: F811
    tag = make_tag()
    ann, ben, apps, flow = tagged_items(tag)
    campaign = campaign_for(tag, default_templates.get(stage="identified", audience="app_owners"))
    assert campaigns.do_launch_campaign(campaign.pk, enqueue=False) == 2
    assert campaigns.do_launch_campaign(campaign.pk, enqueue=False) is None  # claimed once
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE and "1 items have no maker" in campaign.error
    sent, later = sending.send_deliveries(list(campaign.deliveries.values_list("pk", flat=True)))
    assert (sent, later) == (2, [])
    [message] = smtp_server.to("ann@contoso.example")
    text = message.get_body(("plain",)).get_content()
    assert all(app.display_name in text for app in apps) and flow.display_name in text
    assert "/comms/a/" in message.get_body(("html",)).get_content()
    assert len(smtp_server.to("ben@contoso.example")) == 1 and len(smtp_server.messages) == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_a_retried_task_never_sends_a_second_copy(default_templates, smtp_server):  # noqa: F811
    tag = make_tag()
    tagged_items(tag)
    campaign = campaign_for(tag, default_templates.first())
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    ids = list(campaign.deliveries.values_list("pk", flat=True))
    assert sending.send_deliveries(ids) == (2, [])
    assert sending.send_deliveries(ids) == (0, [])  # the task delivered again
    Delivery.objects.filter(pk=ids[0]).update(status=DeliveryStatus.SENDING)  # a worker died mid-send
    assert sending.send_deliveries(ids) == (0, [])
    assert len(smtp_server.messages) == 2


def test_failures_are_logged_with_their_reason_retried_and_requeued(default_templates, smtp_server,  # noqa: F811
                                                                     client, coe_admin):
    tag = make_tag()
    tagged_items(tag)
    smtp_server.refuse["ann@contoso.example"] = "450 4.2.1 Mailbox busy"
    smtp_server.refuse["ben@contoso.example"] = "550 5.1.1 No such user"
    campaign = campaign_for(tag, default_templates.first())
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    ann_delivery = Delivery.objects.get(to="ann@contoso.example")
    ben_delivery = Delivery.objects.get(to="ben@contoso.example")
    assert sending.send_deliveries([ann_delivery.pk, ben_delivery.pk]) == (0, [ann_delivery.pk, ben_delivery.pk])
    ann_delivery.refresh_from_db(), ben_delivery.refresh_from_db()
    assert ann_delivery.status == DeliveryStatus.QUEUED and ann_delivery.retries == 1
    assert "will retry" in ann_delivery.error and "450" in ann_delivery.error
    assert ben_delivery.status == DeliveryStatus.FAILED and "550" in ben_delivery.error
    del smtp_server.refuse["ann@contoso.example"], smtp_server.refuse["ben@contoso.example"]
    assert sending.send_deliveries([ann_delivery.pk]) == (1, [])
    client.force_login(coe_admin)
    response = client.post(reverse("comms:campaign-retry", args=[campaign.pk]))
    assert response.status_code == 302
    ben_delivery.refresh_from_db()
    assert ben_delivery.status == DeliveryStatus.QUEUED and ben_delivery.retries == 1
    assert AuditEntry.objects.filter(action="comms.campaign.retry").exists()


def test_reminders_at_a_cadence_until_answered_at_most_n(default_templates, smtp_server):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    tag = make_tag()
    tagged_items(tag)
    campaign = campaign_for(tag, default_templates.first(), cadence_days=7, max_reminders=2,
                            reminder_template=default_templates.get(stage="reminder", audience="app_owners"))
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    ann = Recipient.objects.get(email="ann@contoso.example")
    ann.items.update(answer="keep", justification="Needed")  # ann answered for every item
    now = timezone.now()
    assert campaigns.queue_reminders(now) == 0  # not due yet
    assert campaigns.queue_reminders(now + timedelta(days=7)) == 1
    assert campaigns.queue_reminders(now + timedelta(days=7)) == 0  # queued once
    assert campaigns.queue_reminders(now + timedelta(days=14)) == 1
    assert campaigns.queue_reminders(now + timedelta(days=60)) == 0  # at most 2
    reminders = Delivery.objects.filter(kind="reminder").order_by("sequence")
    assert [(d.to, d.sequence) for d in reminders] == [("ben@contoso.example", 1), ("ben@contoso.example", 2)]
    assert reminders[1].subject.startswith("Reminder 2:")


def test_department_digest_for_managers(default_templates, smtp_server):  # noqa: F811
    tag = make_tag()
    tagged_items(tag)
    DepartmentHead.objects.create(department="Finance", emails="cfo@contoso.example, fd@contoso.example")
    campaign = campaign_for(tag, default_templates.first(),
                            digest_template=default_templates.get(audience="department_heads"))
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    digest = Delivery.objects.get(kind="digest")
    assert sending.send_deliveries([digest.pk]) == (1, [])
    [message] = smtp_server.to("fd@contoso.example")
    assert message["Subject"].startswith("Finance: default-environment clean-up, 2 makers")
    assert "ann@contoso.example" in message.get_body(("plain",)).get_content()


def test_the_rate_limit_is_shared_and_paces_the_sends(default_templates, smtp_server, settings):  # noqa: F811
    settings.COMMS_RATE_MESSAGES, settings.COMMS_RATE_WINDOW = 1, 60
    tag = make_tag()
    tagged_items(tag)
    campaign = campaign_for(tag, default_templates.first())
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    waits = []
    sent, _ = sending.send_deliveries(list(campaign.deliveries.values_list("pk", flat=True)),
                                      sleep=lambda seconds: (waits.append(seconds), sending.message_limit().reset()))
    assert sent == 2 and len(waits) == 1 and 50 < waits[0] <= 60


def test_the_daily_recipient_budget_holds_the_rest_back(default_templates, smtp_server, settings):  # noqa: F811
    settings.COMMS_DAILY_RECIPIENTS = 1
    tag = make_tag()
    tagged_items(tag)
    campaign = campaign_for(tag, default_templates.first())
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    ids = list(campaign.deliveries.order_by("pk").values_list("pk", flat=True))
    assert sending.send_deliveries(ids) == (1, [ids[1]])
    assert Delivery.objects.get(pk=ids[1]).status == DeliveryStatus.QUEUED


@pytest.mark.django_db(transaction=True)
def test_campaign_from_a_tag_through_the_ui_and_a_celery_worker(client, coe_admin, default_templates,
                                                                 smtp_server, celery_worker):  # noqa: F811
    tag = make_tag()
    tagged_items(tag)
    client.force_login(coe_admin)
    form = client.get(reverse("comms:campaign-new") + f"?tag={tag.pk}").context["form"]
    assert form.initial["tag"] == tag and form.initial["source_kind"] == "tag"
    data = {"name": "Clean-up", "template": form.initial["template"].pk, "source_kind": "tag", "tag": tag.pk,
            "max_reminders": 0}
    response = client.post(reverse("comms:campaign-new"), data)
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and "2 makers" in client.get(response["Location"]).content.decode()
    client.post(reverse("comms:campaign-start", args=[campaign.pk]))
    import time
    deadline = time.monotonic() + 30
    while Delivery.objects.filter(status=DeliveryStatus.SENT).count() < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(smtp_server.messages) == 2
    assert AuditEntry.objects.filter(action__in=["comms.campaign.create", "comms.campaign.start"]).count() == 2


def test_a_scheduled_campaign_launches_only_when_due(default_templates, smtp_server):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    tag = make_tag()
    tagged_items(tag)
    campaign = campaign_for(tag, default_templates.first(), send_at=timezone.now() + timedelta(hours=1))
    assert campaigns.do_launch_campaign(campaign.pk, enqueue=False) is None
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SCHEDULED
    Campaign.objects.filter(pk=campaign.pk).update(send_at=timezone.now() - timedelta(minutes=1))
    assert campaigns.do_launch_campaign(campaign.pk, enqueue=False) == 2
