"""An admin e-mails the makers of tagged items; a maker answers "keep" from the link in the message."""

import re
import time

import pytest
from playwright.sync_api import expect

from comms.models import RecipientItem
from comms.services import sending
from tests.comms.conftest import default_templates  # noqa: F401
from tests.comms.factories import make_app, make_maker, make_tag
from tests.conftest import PASSWORD
from tests.support.browser import go_to, sign_in
from tests.support.smtp import smtp_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_campaign_from_a_tag_reaches_the_maker_who_answers_keep(page, browser, live_server, settings, coe_admin,
                                                                 default_templates, smtp_server,  # noqa: F811
                                                                 celery_worker):
    settings.SITE_URL = live_server.url
    sending.message_limit().reset(), sending.recipient_limit().reset()
    tag = make_tag("Move out of default")
    ann = make_maker(email="ann@contoso.example", name="Ann Lee")
    app = make_app(owner=ann, name="Expense tracker", tags=[tag])
    make_app(owner=ann, name="Leave planner", tags=[tag])

    sign_in(page, "alice", PASSWORD)
    go_to(page, "Tags")
    page.get_by_role("link", name="Move out of default").click()
    page.get_by_role("link", name="Notify owners").click()
    expect(page.get_by_label("Tag", exact=True)).to_have_value(str(tag.pk))
    page.get_by_label("Name").fill("Default environment clean-up")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Starting sends to 1 maker about 2 apps and 0 flows")).to_be_visible()
    page.get_by_role("button", name="Start campaign").click()
    expect(page.get_by_role("status")).to_contain_text("Started")

    wait_for(lambda: smtp_server.to("ann@contoso.example"))
    [message] = smtp_server.to("ann@contoso.example")
    text = message.get_body(("plain",)).get_content()
    assert "Expense tracker" in text and "Leave planner" in text
    keep_link = re.search(r"Keep \(with a business reason\): (\S+)", text).group(1)

    maker_page = browser.new_context().new_page()  # the maker, not signed in, from the mailbox
    maker_page.goto(keep_link)
    expect(maker_page.get_by_role("heading", name="Confirm: Keep")).to_be_visible()
    maker_page.get_by_label("Business justification (required)").fill("Finance closes the month with it")
    maker_page.get_by_role("button", name="Confirm: Keep").click()
    expect(maker_page.get_by_role("status")).to_contain_text("We recorded Keep for 2 items")
    maker_page.context.close()

    page.reload()
    expect(page.locator("[data-answer-keep]")).to_have_text("2")  # items: both of Ann's apps
    expect(page.get_by_role("row").filter(has_text="Ann Lee")).to_contain_text("Finance closes the month with it")
    page.goto(f"/comms/items/app/{app.pk}/")
    expect(page.locator("[data-item-answer]")).to_have_text("Keep")
    assert RecipientItem.objects.get(app=app).answer == "keep"
