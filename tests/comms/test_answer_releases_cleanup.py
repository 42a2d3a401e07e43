"""A maker's e-mailed answer reaches the clean-up: keep or migrate releases the waiting item."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comms.models import Campaign, EmailTemplate, Recipient, RecipientItem
from comms.services.answers import do_answer
from inventory.choices import CleanupStage
from inventory.models import CleanupCase
from tests.comms.factories import make_app, make_flow, make_maker

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipient():
    owner = make_maker()
    template = EmailTemplate.objects.create(name="Notice", stage="quarantine_notice", subject="s", body_text="t",
                                            body_html="<p>t</p>")
    campaign = Campaign.objects.create(name="Quarantine", template=template, source_kind="selection")
    recipient = Recipient.objects.create(campaign=campaign, maker=owner, email=owner.email)
    for item in (make_app(owner=owner), make_flow(creator=owner)):
        RecipientItem.objects.create(recipient=recipient, **{"app" if hasattr(item, "app_id") else "flow": item})
    return recipient


def waiting_cases(recipient):
    """Cases whose item is held (quarantined / stopped): the grace period runs."""
    grace_until = timezone.now() + timedelta(days=14)
    return [CleanupCase.objects.create(stage=CleanupStage.WAITING, grace_until=grace_until, **{entry.kind: entry.item})
            for entry in recipient.items.all()]


class TestAnswerReleasesCleanup:
    @pytest.mark.parametrize("answer", ["keep", "migrate"])
    def test_it_releases_waiting_items_the_owner_still_needs(self, recipient, answer,
                                                            django_capture_on_commit_callbacks):
        cases = waiting_cases(recipient)
        with django_capture_on_commit_callbacks(execute=True):
            do_answer(recipient, answer, "Payroll depends on it")
        for case in cases:
            case.refresh_from_db()
            assert case.stage == CleanupStage.RELEASING
            assert "answered by e-mail" in case.answer and "Payroll depends on it" in case.answer

    @pytest.mark.parametrize("answer", ["delete", "help"])
    def test_it_leaves_the_clean_up_running_otherwise(self, recipient, answer, django_capture_on_commit_callbacks):
        cases = waiting_cases(recipient)
        with django_capture_on_commit_callbacks(execute=True):
            do_answer(recipient, answer)
        assert {CleanupCase.objects.get(pk=case.pk).stage for case in cases} == {CleanupStage.WAITING}


def test_an_answer_that_comes_while_the_item_is_being_held_is_kept_for_the_release(recipient,
                                                                                   django_capture_on_commit_callbacks):
    cases = [CleanupCase.objects.create(stage=CleanupStage.WAITING, **{entry.kind: entry.item})  # call running
             for entry in recipient.items.all()]
    with django_capture_on_commit_callbacks(execute=True):
        do_answer(recipient, "keep", "Month-end report")
    for case in cases:
        case.refresh_from_db()
        assert case.stage == CleanupStage.WAITING and case.answered_at is not None  # start_case releases it
        assert "Month-end report" in case.answer
