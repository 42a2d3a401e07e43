"""Finding 8 of issue 21: answer links were 60-day reusable credentials, written in full to the access
log; the same link answered again and again, from anyone it was forwarded to, as "system" in the audit."""

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from gunicorn.config import Config

from coe_portal.core.logging import RedactingGunicornLogger, RedactTokensFilter
from coe_portal.core.models import AuditEntry
from comms.choices import CampaignStatus
from comms.links import make_token
from comms.models import Campaign, Recipient
from comms.services import campaigns
from tests.comms.factories import make_app, make_maker, make_tag
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipient(db):
    from comms.models import EmailTemplate
    from comms.services.defaults import load_defaults

    load_defaults(EmailTemplate)
    default_templates = EmailTemplate.objects.filter(is_default=True)
    tag = make_tag()
    make_app(owner=make_maker(email="ann@contoso.example"), tags=[tag], name="Expense tracker")
    campaign = Campaign.objects.create(name="Clean-up", template=default_templates.first(), tag=tag,
                                       status=CampaignStatus.SCHEDULED)
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    return Recipient.objects.get()


def answer(client, recipient, choice, justification="Payroll needs it"):
    items = [str(pk) for pk in recipient.items.values_list("pk", flat=True)]
    url = reverse("comms:answer", kwargs={"token": make_token(recipient.code, choice)})
    return client.post(url, {"items": items, "justification": justification})


def answers(recipient):
    return list(recipient.items.values_list("answer", flat=True))


def test_finding8_a_link_changes_an_items_state_once_per_message_and_item(client, recipient):
    assert "We recorded" in answer(client, recipient, "keep").content.decode()
    again = answer(client, recipient, "migrate")
    assert "already has an answer from this message; sign in" in again.content.decode()
    assert answers(recipient) == ["keep"]
    assert "We recorded" in answer(client, recipient, "help").content.decode()  # help changes no state
    client.force_login(make_user("ann", [], email="ann@contoso.example"))  # the maker, signed in
    assert "We recorded" in answer(client, recipient, "migrate").content.decode()
    assert answers(recipient) == ["migrate"]


def test_finding8_a_delete_answer_needs_sign_in(client, recipient, other_maker):
    page = client.get(reverse("comms:answer", kwargs={"token": make_token(recipient.code, "delete")}))
    assert "Deleting needs you to sign in" in page.content.decode()
    assert "Deleting needs you to sign in" in answer(client, recipient, "delete").content.decode()
    client.force_login(other_maker)  # signed in, but not the maker the message went to
    answer(client, recipient, "delete")
    assert answers(recipient) == [""]
    client.force_login(make_user("ann", [], email="ann@contoso.example"))
    assert "We recorded" in answer(client, recipient, "delete").content.decode()
    assert answers(recipient) == ["delete"]


def test_finding8_the_audit_entry_names_the_recipient_the_link_was_sent_to(client, recipient):
    answer(client, recipient, "keep")
    entry = AuditEntry.objects.get(action="comms.answer.keep")
    assert entry.actor is None and entry.actor_name == "answer link sent to ann@contoso.example"
    assert entry.details["via"] == "link"


def test_finding8_the_token_never_reaches_the_access_or_error_log(recipient):
    token = make_token(recipient.code, "keep")
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/comms/a/{token}/", "PATH_INFO": f"/comms/a/{token}/",
               "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": "", "REMOTE_ADDR": "10.0.0.1",
               "HTTP_REFERER": f"https://portal.example/login/?next=%2Fcomms%2Fa%2F{token}%2F"}
    atoms = RedactingGunicornLogger(Config()).atoms(SimpleNamespace(status="200 OK", sent=10, headers=[]), [], environ,
                                                    timedelta(seconds=0.1))
    line = Config().access_log_format % atoms
    assert token not in line and token.split(":")[0] not in line and "/comms/a/[redacted]/" in line
    record = logging.makeLogRecord({"msg": "Bad Request: %s", "args": (f"/comms/a/{token}/",)})
    RedactTokensFilter().filter(record)
    assert token.split(":")[0] not in record.getMessage()
    mapping = logging.makeLogRecord({"msg": "%(path)s %(n)d", "args": {"path": f"/comms/a/{token}/", "n": 1}})
    RedactTokensFilter().filter(mapping)
    assert mapping.getMessage() == "/comms/a/[redacted]/ 1"
