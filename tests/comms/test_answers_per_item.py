"""A maker may keep one item and migrate another: every answer is counted and shown with its justification."""

import pytest
from django.urls import reverse

from comms.choices import CampaignStatus
from comms.models import Campaign, Recipient
from comms.services import campaigns
from comms.services.answers import do_answer
from tests.comms.conftest import default_templates  # noqa: F401
from tests.comms.factories import make_app, make_flow, make_maker, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(default_templates):  # noqa: F811
    tag = make_tag()
    ann = make_maker(email="ann@contoso.example")
    kept = make_app(owner=ann, tags=[tag], name="Expense tracker")
    make_flow(creator=ann, tags=[tag], name="Approval flow")
    campaign = Campaign.objects.create(name="Clean-up", template=default_templates.first(), tag=tag,
                                       status=CampaignStatus.SCHEDULED)
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    recipient = Recipient.objects.get()
    entries = {entry.item.display_name: entry.pk for entry in recipient.items.all()}
    do_answer(recipient, "keep", "Finance closes the month with it", [entries["Expense tracker"]])
    do_answer(recipient, "migrate", "", [entries["Approval flow"]])  # the later answer
    return campaign, kept


class TestAnswersPerItem:
    def test_the_campaign_counts_every_answer_kind(self, admin_client, answered):
        campaign, _ = answered
        page = admin_client.get(campaign.get_absolute_url())
        assert [(value, count) for value, _, count in page.context["answer_rows"]] == [
            ("keep", 1), ("migrate", 1), ("delete", 0), ("help", 0)]
        html = page.content.decode()
        assert "Expense tracker: <strong>Keep</strong> – “Finance closes the month with it”" in html
        assert "Approval flow: <strong>Migrate</strong>" in html

    def test_the_answer_queue_shows_and_finds_the_keep_after_a_migrate(self, admin_client, answered):
        queue = admin_client.get(reverse("comms:answer-queue"), {"answer": "keep"})
        assert queue.status_code == 200 and len(queue.context["table"].page.object_list) == 1
        assert "Finance closes the month with it" in queue.content.decode()
        # From the campaign's page (?campaign=): answers not yet handled are listed, not only handled ones.
        campaign, _ = answered
        assert len(admin_client.get(reverse("comms:answer-queue"), {"campaign": campaign.pk})
                   .context["table"].page.object_list) == 1

    def test_the_item_page_shows_the_answer_to_admins_and_its_owner(self, client, admin_client, maker, answered):
        _, kept = answered
        page = admin_client.get(kept.get_absolute_url()).content.decode()
        assert 'data-item-answer="keep"' in page and "Finance closes the month with it" in page
        kept.owner.email = maker.email
        kept.owner.save()
        client.force_login(maker)
        assert "Finance closes the month with it" in client.get(kept.get_absolute_url()).content.decode()
