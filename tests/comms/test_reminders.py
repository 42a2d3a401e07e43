"""Reminders go on at the cadence until every item of a message has an answer, and stop then."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from comms.links import make_token
from comms.models import Delivery, Recipient
from comms.services import campaigns
from tests.comms.factories import launched_recipient

pytestmark = pytest.mark.django_db

WEEK = timedelta(days=7)


@pytest.fixture
def recipient(default_templates):
    """Ann, asked about an app and a flow, reminded weekly at most three times."""
    return launched_recipient(default_templates,
                              reminder_template=default_templates.get(stage="reminder", audience="app_owners"))


def answer(client, recipient, choice, entries, justification=""):
    url = reverse("comms:answer", kwargs={"token": make_token(recipient.code, choice)})
    response = client.post(url, {"items": [str(entry.pk) for entry in entries], "justification": justification})
    assert response.status_code == 200
    recipient.refresh_from_db()


def reminders():
    return list(Delivery.objects.filter(kind="reminder").order_by("sequence"))


def test_an_answer_for_some_items_keeps_the_cadence_for_the_others(client, recipient):
    app_entry = recipient.items.get(app__isnull=False)
    answer(client, recipient, "keep", [app_entry], "Payroll runs on it")
    assert recipient.next_reminder_at is not None
    assert campaigns.queue_reminders(timezone.now() + WEEK) == 1
    [reminder] = reminders()
    assert "Approval flow" in reminder.body_text and "Expense tracker" not in reminder.body_text


def test_the_cadence_stops_once_every_item_has_an_answer(client, recipient):
    flow_entry, app_entry = recipient.items.get(flow__isnull=False), recipient.items.get(app__isnull=False)
    answer(client, recipient, "migrate", [app_entry])
    assert campaigns.queue_reminders(timezone.now() + WEEK) == 1
    answer(client, recipient, "help", [flow_entry])
    assert recipient.next_reminder_at is None
    assert campaigns.queue_reminders(timezone.now() + 3 * WEEK) == 0
    assert len(reminders()) == 1


def test_an_answer_to_everything_at_once_stops_the_cadence(client, recipient):
    answer(client, recipient, "keep", recipient.items.all(), "Both are needed by Finance")
    assert recipient.next_reminder_at is None
    assert campaigns.queue_reminders(timezone.now() + WEEK) == 0


def test_a_due_reminder_is_not_sent_once_the_last_item_is_answered_meanwhile(recipient):
    """The reminder was due; the answers arrived (e.g. by the API) before beat queued it."""
    Recipient.objects.filter(pk=recipient.pk).update(next_reminder_at=timezone.now())
    recipient.items.update(answer="keep", justification="Needed", answered_at=timezone.now())
    assert campaigns.queue_reminders(timezone.now() + WEEK) == 0
    assert reminders() == []
