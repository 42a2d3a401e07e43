"""Acceptance 1: a maker requests a migration, an admin approves it into a wave, the job runs against the
fake tenant through a real Celery worker, waits for a connection, the maker picks one, the job completes."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from inventory.models import App
from migrations_app.models import MigrationRequest
from tests.conftest import PASSWORD
from tests.migrations_app import world as world_module
from tests.support.browser import go_to, sign_in

migration_world = world_module.migration_world
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def admin_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    sign_in(page, "alice", PASSWORD)
    return page


def test_a_maker_moves_an_app_through_a_wave_and_picks_its_connection(page, browser, live_server, migration_world,
                                                                     celery_worker, coe_admin, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world, app = migration_world, migration_world.app
    world.connect_target()  # the maker made a connection in the target beforehand
    page.set_default_timeout(30_000)
    sign_in(page, world.user.username, PASSWORD)
    go_to(page, "My items")
    page.get_by_label(app.display_name, exact=True).check()
    page.get_by_role("button", name="Request migration of the ticked items").click()
    target = page.get_by_label("Target environment")  # named with its owner when it is a developer environment
    target.select_option(label=target.locator("option", has_text=world.target.display_name).text_content())
    page.get_by_label("Reason").fill("The whole finance team uses it")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Waiting for the CoE team to approve it.")).to_be_visible()
    request = MigrationRequest.objects.get()

    admin = admin_page(browser, live_server)
    go_to(admin, "Migration waves")
    admin.get_by_label("Name").fill("December wave")
    admin.get_by_role("button", name="Plan the wave").click()
    go_to(admin, "Migration requests")
    admin.get_by_role("row").filter(has_text=app.display_name).get_by_role("checkbox").check()
    decide = admin.get_by_role("form", name="Decide on the ticked requests")
    decide.get_by_label("Action", exact=True).select_option("approve")
    decide.get_by_label("Put them in wave").select_option(label="December wave")
    decide.get_by_label("Message to the makers").fill("Moving it on Monday")
    admin.get_by_role("button", name="Apply to the ticked requests").click()
    expect(admin.get_by_text("1 request: approve done.")).to_be_visible()
    admin.get_by_role("link", name="December wave").first.click()
    admin.get_by_role("button", name="Start the wave now").click()
    expect(admin.locator("[data-state=needs_input]")).to_be_visible()  # polled while the job runs

    page.goto(request.get_absolute_url())
    expect(page.get_by_text("Needs input:")).to_be_visible()
    page.screenshot(path=str(settings.MEDIA_ROOT / "migration-needs-input.png"), full_page=True)
    page.get_by_role("link", name="Pick connections").click()
    selects = page.locator("form.stacked select")
    for index in range(selects.count()):
        selects.nth(index).select_option(index=1)
    page.get_by_role("button", name="Use these connections").click()
    expect(page.locator("[data-state=done]")).to_be_visible()  # polled until the last step
    new_url = page.locator("[data-new-url]").first
    expect(new_url).to_be_visible()
    page.screenshot(path=str(settings.MEDIA_ROOT / "migration-request-done.png"), full_page=True)
    request.refresh_from_db()
    assert request.state == "done" and request.job.steps_done == 8
    copy = world.tenant.app(world.fake_target, request.items.get().new_id)
    assert copy is not None and copy.display_name == app.display_name

    go_to(page, "My items")
    expect(page.get_by_role("row").filter(has_text=app.display_name).locator("[data-migration=done]")).to_have_text(
        "Migrated")
    admin.goto(App.objects.get(pk=app.pk).get_absolute_url())
    expect(admin.locator("[data-migration=done]")).to_have_text("Migrated")
    page.screenshot(path=str(settings.MEDIA_ROOT / "migration-done.png"), full_page=True)
    admin.goto("/inventory/apps/?migration=migrated")  # the list's Migration column and filter
    expect(admin.get_by_role("row").filter(has_text=app.display_name).locator("[data-migration=done]")).to_have_text(
        f"Migrated to {world.target.display_name}")
    admin.screenshot(path=str(settings.MEDIA_ROOT / "migration-app-list.png"), full_page=True)
    assert any(copy.display_name in message.body for message in mail.outbox)
