"""The admin quarantines an app from its page with a grace period; its owner is e-mailed, answers Keep with a
justification from the message, and the admin reads Keep and the justification on the campaign and the item."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comms.services import sending
from inventory.models import App, Maker
from tests.conftest import PASSWORD
from tests.support.browser import go_to, sign_in
from tests.support.smtp import smtp_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "bob@contoso.example"


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.fixture
def synced_tenant(make_synced_tenant):
    return make_synced_tenant(environments=1, apps=3, flows=1)[0]


def test_quarantine_with_a_grace_period_reaches_the_owner_who_answers_keep(
        page, browser, live_server, settings, synced_tenant, coe_admin, smtp_server, celery_worker):  # noqa: F811
    settings.SITE_URL = live_server.url
    sending.message_limit().reset(), sending.recipient_limit().reset()
    app = App.objects.filter(deleted_at__isnull=True, owner__isnull=False).order_by("display_name").first()
    Maker.objects.filter(pk=app.owner_id).update(email=OWNER)
    page.set_viewport_size({"width": 1400, "height": 900})

    sign_in(page, "alice", PASSWORD)
    go_to(page, "Apps")
    page.get_by_role("link", name=app.display_name, exact=True).click()
    expect(page.get_by_role("heading", name=app.display_name, level=1)).to_be_visible()
    expect(page.locator("[data-fact-quarantine]")).to_have_text("Not quarantined")
    page.evaluate("window.notReloaded = true")

    # A confirmation step first: what happens, when the owner is told, and how long they have.
    page.get_by_text("Quarantine this app…").click()
    confirm = page.get_by_role("form", name="Confirm the quarantine")
    expect(confirm.locator("[data-notice-when]")).to_contain_text(
        f"({OWNER}), is e-mailed as soon as it is quarantined")
    confirm.get_by_label("Grace period").select_option(label="14 days")
    confirm.get_by_role("button", name="Quarantine and e-mail the owner").click()
    expect(page.locator("[data-cleanup-started]")).to_contain_text("with a grace period of 14 days")

    # The page follows the step: facts, actions and history change without a reload.
    expect(page.locator("[data-fact-quarantine]")).to_have_text("Quarantined", timeout=30_000)
    expect(page.get_by_text("Quarantine this app…")).to_have_count(0)
    grace_end = (timezone.localdate() + timedelta(days=14)).isoformat()
    expect(page.locator("[data-history]").filter(has_text="Quarantined;")).to_contain_text(
        f"Quarantined; the owner has until {grace_end}", timeout=10_000)
    expect(page.locator("[data-notice]")).to_contain_text(f"E-mailed to {OWNER} on", timeout=30_000)
    assert page.evaluate("window.notReloaded") is True
    assert "{" not in page.locator("#item-history").inner_text()  # sentences, never dictionaries
    assert synced_tenant.app(app.environment.env_id, app.app_id).quarantined

    # The owner's mailbox: the message names the app and the date, with answer links.
    wait_for(lambda: smtp_server.to(OWNER))
    [message] = smtp_server.to(OWNER)
    text = message.get_body(("plain",)).get_content()
    assert app.display_name in text and f"Without an answer by {grace_end}" in text
    keep_link = re.search(r"Keep \(with a business reason\): (\S+)", text).group(1)

    owner = browser.new_context().new_page()  # from the mailbox, not signed in
    owner.goto(keep_link)
    owner.get_by_label("Business justification (required)").fill("Payroll runs on it every month")
    owner.get_by_role("button", name="Confirm: Keep").click()
    expect(owner.get_by_role("status")).to_contain_text("We recorded Keep for 1 item")
    owner.context.close()

    # The admin sees Keep and the justification on the item's page and on the campaign.
    page.reload()
    answers = page.get_by_role("region", name="Answers from the owner")
    expect(answers.get_by_role("row").filter(has_text="Keep")).to_contain_text("Payroll runs on it every month")
    answers.get_by_role("link", name=f"Clean-up of {app.display_name}").click()
    expect(page.locator("[data-answer-keep]")).to_have_text("1")
    expect(page.get_by_role("row").filter(has_text=OWNER)).to_contain_text("Keep – “Payroll runs on it every month”")
    go_to(page, "Answers")
    row = page.get_by_role("row").filter(has_text=OWNER)
    expect(row).to_contain_text("Keep")
    expect(row).to_contain_text("Payroll runs on it every month")
    # Keep released the quarantine.
    wait_for(lambda: not synced_tenant.app(app.environment.env_id, app.app_id).quarantined)
