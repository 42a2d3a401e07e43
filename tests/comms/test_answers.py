"""Answer links: GET confirms and changes nothing; POST records per item, stops reminders, signals."""

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from comms.links import make_token
from comms.models import RecipientItem
from comms.services import campaigns
from comms.signals import maker_answered
from tests.comms.factories import launched_recipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipient(default_templates):
    return launched_recipient(default_templates)


def url(recipient, answer):
    return reverse("comms:answer", kwargs={"token": make_token(recipient.code, answer)})


def test_get_shows_a_confirmation_and_changes_nothing(client, recipient):
    response = client.get(url(recipient, "delete"))
    page = response.content.decode()
    assert response.status_code == 200 and "Confirm: Delete" in page
    assert "Expense tracker" in page and "Approval flow" in page
    assert response["Cache-Control"].startswith("max-age=0")
    recipient.refresh_from_db()
    assert recipient.answer == "" and recipient.next_reminder_at is not None
    assert not RecipientItem.objects.exclude(answer="").exists()


def test_keep_needs_a_business_justification(client, recipient):
    entries = [str(pk) for pk in recipient.items.values_list("pk", flat=True)]
    response = client.post(url(recipient, "keep"), {"items": entries, "justification": "  "})
    assert "business justification is required" in response.content.decode()
    recipient.refresh_from_db()
    assert recipient.answer == ""


def test_keep_is_stored_per_item_stops_the_cadence_and_is_signalled(client, recipient,
                                                                   django_capture_on_commit_callbacks):
    heard = []
    maker_answered.connect(lambda **kwargs: heard.append(kwargs), weak=False, dispatch_uid="test-heard")
    try:
        entries = [str(pk) for pk in recipient.items.values_list("pk", flat=True)]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url(recipient, "keep"), {"items": entries, "justification": "Payroll needs it"})
    finally:
        maker_answered.disconnect(dispatch_uid="test-heard")
    assert "We recorded <strong>Keep</strong> for 2 items" in response.content.decode()
    recipient.refresh_from_db()
    assert recipient.answer == "keep" and recipient.next_reminder_at is None
    assert set(recipient.items.values_list("answer", "justification")) == {("keep", "Payroll needs it")}
    assert heard[0]["maker"] == recipient.maker and heard[0]["answer"] == "keep"
    assert {item.display_name for item in heard[0]["items"]} == {"Expense tracker", "Approval flow"}
    entry = AuditEntry.objects.get(action="comms.answer.keep")
    assert entry.details["maker"] == "ann@contoso.example" and entry.actor is None
    assert campaigns.queue_reminders() == 0


def test_an_answer_for_some_items_only(client, recipient):
    app_entry = recipient.items.get(app__isnull=False)
    client.post(url(recipient, "migrate"), {"items": [str(app_entry.pk)]})
    assert dict(recipient.items.values_list("app__display_name", "answer")) == {"Expense tracker": "migrate",
                                                                                None: ""}


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "nonsense", lambda t: t[5:]])
def test_a_tampered_link_is_refused(client, recipient, mangle):
    token = mangle(make_token(recipient.code, "delete"))
    response = client.post(reverse("comms:answer", kwargs={"token": token}), {})
    assert response.status_code == 400 and "not valid" in response.content.decode()
    recipient.refresh_from_db()
    assert recipient.answer == ""


def test_an_expired_link_is_refused(client, recipient, settings):
    settings.COMMS_ANSWER_LINK_DAYS = 0
    response = client.get(url(recipient, "keep"))
    assert response.status_code == 400 and "expired" in response.content.decode()


def test_answers_appear_in_the_queue_and_on_the_item(client, recipient, coe_admin, maker, other_maker):
    entries = [str(pk) for pk in recipient.items.values_list("pk", flat=True)]
    client.post(url(recipient, "help"), {"items": entries, "justification": "Who can host it?"})
    client.force_login(coe_admin)
    queue = client.get(reverse("comms:answer-queue") + "?pending_review=on").content.decode()
    assert "ann@contoso.example" in queue and "Who can host it?" in queue
    client.post(reverse("comms:answer-reviewed", args=[recipient.pk]))
    queue = client.get(reverse("comms:answer-queue") + "?pending_review=on").content.decode()
    assert "Who can host it?" not in queue and "Nothing matches" in queue
    app = recipient.items.get(app__isnull=False).app
    page = client.get(reverse("comms:item-messages", args=["app", app.pk])).content.decode()
    assert "Need help" in page and "Who can host it?" in page
    # the owner sees it; another maker gets a 404
    app.owner.email = maker.email
    app.owner.save()
    client.force_login(maker)
    assert client.get(reverse("comms:item-messages", args=["app", app.pk])).status_code == 200
    client.force_login(other_maker)
    assert client.get(reverse("comms:item-messages", args=["app", app.pk])).status_code == 404
