"""A campaign from an inventory filter never writes to more makers than the filter shows."""

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from comms.choices import CampaignStatus, SourceKind
from comms.models import Campaign, Recipient
from comms.services import campaigns
from inventory.models import Environment
from tests.comms.factories import make_app, make_maker

pytestmark = pytest.mark.django_db


def form_data(default_templates, query):
    return {"name": "From a filter", "template": default_templates.first().pk, "source_kind": SourceKind.APP_FILTER,
            "filter_query": query, "max_reminders": 0}


def test_a_campaign_from_a_bad_filter_is_refused(admin_client, default_templates):
    make_app(owner=make_maker())
    response = admin_client.post(reverse("comms:campaign-new"), form_data(default_templates, "shared_min=abc"))
    assert response.status_code == 400
    assert "(shared_min): Enter a number." in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_filter_that_became_invalid_stops_the_start_and_the_launch(admin_client, default_templates):
    app = make_app(owner=make_maker())
    query = f"environment={app.environment_id}"
    response = admin_client.post(reverse("comms:campaign-new"), form_data(default_templates, query))
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    make_app(owner=make_maker())  # same environment: the campaign would reach two makers
    Environment.objects.filter(pk=app.environment_id).update(deleted_at="2026-11-01T00:00Z")  # the id is now unknown
    page = admin_client.get(campaign.get_absolute_url()).content.decode()
    assert "cannot start" in page and "(environment)" in page
    response = admin_client.post(reverse("comms:campaign-start", args=[campaign.pk]))
    assert response.status_code == 400 and "(environment)" in response.content.decode()
    assert Campaign.objects.get().status == CampaignStatus.DRAFT
    assert not AuditEntry.objects.filter(action="comms.campaign.start").exists()
    # Scheduled before the filter went bad: the launch fails and writes to nobody.
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SCHEDULED)
    assert campaigns.do_launch_campaign(campaign.pk, enqueue=False) is None
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.FAILED and "(environment)" in campaign.error
    assert not Recipient.objects.exists()
