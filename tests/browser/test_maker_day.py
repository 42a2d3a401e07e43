"""Issue 20, acceptance 1 (the maker): home → an ask → the item page → a request → their own connection → the
completion e-mail, which names only what is left to do. Clicks only; the CoE team's approval happens beside it."""

import time
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from comms.choices import CampaignStatus
from comms.models import Campaign
from comms.services import campaigns, sending
from migrations_app.models import MigrationRequest, Wave
from migrations_app.services import requests
from tests.comms.conftest import default_templates  # noqa: F401
from tests.conftest import PASSWORD
from tests.inventory.factories import make_tag
from tests.migrations_app import world as world_module
from tests.support.browser import sign_in
from tests.support.smtp import smtp_server  # noqa: F401

migration_world = world_module.migration_world
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)
    return found


def message_to(sink, address, subject_part):
    """The first message to `address` whose subject contains `subject_part`, as text, once it has arrived."""
    return wait_for(lambda: next((m.get_body(("plain",)).get_content() for m in sink.to(address)
                                  if subject_part in m["Subject"]), None))


def ask_about(app, templates):
    """The CoE team's campaign asking the app's owner what to do with it, answer due in ten days."""
    tag = make_tag("Move out of default")
    app.tags.add(tag)
    campaign = Campaign.objects.create(name="Default environment clean-up", template=templates.first(), tag=tag,
                                       status=CampaignStatus.SCHEDULED, answer_by=date.today() + timedelta(days=10))
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    return campaign


def test_a_maker_moves_an_item_the_coe_asked_about_with_their_own_connection(
        page, live_server, migration_world, celery_worker, coe_admin, settings, default_templates,  # noqa: F811
        smtp_server):  # noqa: F811
    settings.SITE_URL = live_server.url
    sending.message_limit().reset(), sending.recipient_limit().reset()
    world, app = migration_world, migration_world.app
    campaign = ask_about(app, default_templates)
    world.connect_target()  # the maker made their connections in the target beforehand

    sign_in(page, world.user.username, PASSWORD)
    asks = page.get_by_role("region", name="Messages waiting for your answer")
    expect(asks).to_contain_text(f"Answer by {campaign.answer_by:%-d %b %Y}")
    asks.get_by_role("link", name=app.display_name).click()

    expect(page.get_by_role("heading", name=app.display_name, level=1)).to_be_visible()
    expect(page.locator("[data-owner]")).to_contain_text("You:")
    expect(page.locator("[data-owner]")).not_to_contain_text("disabled")
    expect(page.get_by_role("region", name="The CoE team asks you about it")).to_contain_text(campaign.name)
    page.get_by_role("button", name="Request its migration").click()

    target = page.get_by_label("Target environment")
    label = target.locator("option", has_text=world.target.display_name).text_content()
    target.select_option(label=label)
    page.get_by_label("Reason").fill("The whole finance team uses it")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Waiting for the CoE team to approve it.")).to_be_visible()

    request = MigrationRequest.objects.get()  # the CoE team approves it into a wave and starts the wave
    wave = Wave.objects.create(name="December wave", created_by=coe_admin)
    requests.do_decide([request], coe_admin, True, "Moving it on Monday", wave)
    requests.do_start_wave(wave)
    approved = message_to(smtp_server, world.user.email, "approved")
    assert "Moving it on Monday" in approved and world.target.display_name in approved

    page.get_by_role("link", name="Pick connections").click()  # shown once the job waits (the page polls)
    selects = page.locator("form.stacked select")
    for index in range(selects.count()):
        select = selects.nth(index)
        own = select.locator('optgroup[label="Your connections"] option').first.text_content()
        select.select_option(label=own)
    page.get_by_role("button", name="Use these connections").click()
    expect(page.locator("[data-state=done]")).to_be_visible(timeout=60_000)

    waited = message_to(smtp_server, world.user.email, "waits for you")
    assert "Pick a connection for" in waited
    done = message_to(smtp_server, world.user.email, "Your items have moved")
    request.refresh_from_db()
    assert request.items.get().new_url in done
    assert "create the connection" not in done
    assert "every one is mapped in the new environment, nothing to create" in done
    page.screenshot(path=str(settings.MEDIA_ROOT / "maker-day-done.png"), full_page=True)
