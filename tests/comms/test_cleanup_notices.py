"""Owners are told when a clean-up job holds their items: one message each, once, after the last hold."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coe_portal.core.models import AuditEntry, JobRun
from comms.models import Campaign, Delivery, RecipientItem
from comms.services.cleanup_notices import notice_for, queue_cleanup_notices, queue_cleanup_reminder
from inventory.models import CleanupCase
from tests.comms.factories import make_app, make_flow, make_maker

pytestmark = pytest.mark.django_db


def held_case(job, item, days=14):
    return CleanupCase.objects.create(**{item._meta.model_name: item}, job=job, stage="waiting",
                                      grace_until=timezone.now() + timedelta(days=days), claimed_at=timezone.now())


@pytest.fixture
def job(coe_admin):
    return JobRun.objects.create(kind="cleanup.bulk", created_by=coe_admin, status="running", progress_total=3)


class TestCleanupNotices:
    def test_one_message_per_owner_lists_all_their_held_items(self, job):
        ann, ben = make_maker(email="ann@contoso.example"), make_maker(email="ben@contoso.example")
        held_case(job, make_app(owner=ann, name="Expense tracker"))
        held_case(job, make_flow(creator=ann, name="Nightly export"))
        held_case(job, make_app(owner=ben, name="Leave planner"))
        assert queue_cleanup_notices(job.pk) == 2
        [to_ann] = Delivery.objects.filter(to="ann@contoso.example")
        assert "Expense tracker (app, quarantined" in to_ann.body_text
        assert "Nightly export (flow, stopped" in to_ann.body_text
        assert f"Without an answer by {(timezone.localdate() + timedelta(days=14)).isoformat()}" in to_ann.body_text
        campaign = Campaign.objects.get(cleanup_job=job)
        assert campaign.status == "active" and campaign.template.stage == "quarantine"
        assert RecipientItem.objects.filter(recipient__campaign=campaign).count() == 3
        assert AuditEntry.objects.filter(action="cleanup.notice", details__to="ann@contoso.example").count() == 2

    def test_nothing_is_written_while_an_item_of_the_job_is_still_being_held(self, job):
        owner = make_maker()
        held_case(job, make_app(owner=owner))
        CleanupCase.objects.create(app=make_app(owner=owner), job=job, stage="waiting")  # its call still runs
        assert queue_cleanup_notices(job.pk) == 0 and not Delivery.objects.exists()

    def test_a_second_call_tells_nobody_twice_and_a_later_hold_gets_its_own_message(self, job):
        owner = make_maker()
        held_case(job, make_app(owner=owner))
        assert queue_cleanup_notices(job.pk) == 1
        assert queue_cleanup_notices(job.pk) == 0
        held_case(job, make_app(owner=owner, name="Retried app"))  # a failure retried, held later
        assert queue_cleanup_notices(job.pk) == 1
        later = Delivery.objects.order_by("-pk").first()
        assert "Retried app" in later.body_text and later.sequence == 1

    def test_an_owner_without_an_address_is_not_written_to(self, job):
        case = held_case(job, make_app(owner=make_maker(email="")))
        assert queue_cleanup_notices(job.pk) == 0 and notice_for(case) is None

    def test_the_reminder_goes_to_an_owner_who_has_not_answered(self, job):
        case = held_case(job, make_app(owner=make_maker(email="ann@contoso.example")), days=5)
        queue_cleanup_notices(job.pk)
        reminder = queue_cleanup_reminder(case.pk)
        assert reminder.kind == "reminder" and reminder.to == "ann@contoso.example"
        assert notice_for(case) == reminder
        RecipientItem.objects.update(answer="keep", answered_at=timezone.now())
        assert queue_cleanup_reminder(case.pk) is None


class TestTheItemPageSaysWhen:
    def test_queued_then_sent(self, admin_client, job):
        owner = make_maker(email="ann@contoso.example")
        app = make_app(owner=owner)
        case = held_case(job, app)
        url = reverse("comms:case-notice", args=[case.pk])
        assert "The e-mail to ann@contoso.example is being written." in admin_client.get(url).content.decode()
        queue_cleanup_notices(job.pk)
        queued = admin_client.get(url).content.decode()
        assert "E-mail to ann@contoso.example queued at" in queued and 'hx-trigger="every 2s"' in queued
        Delivery.objects.update(status="sent", sent_at=timezone.now())
        sent = admin_client.get(app.get_absolute_url()).content.decode()
        assert "E-mailed to ann@contoso.example on" in sent and "every 2s" not in sent

    def test_another_maker_cannot_read_the_line(self, client, other_maker, job):
        case = held_case(job, make_app())
        client.force_login(other_maker)
        assert client.get(reverse("comms:case-notice", args=[case.pk])).status_code == 404
