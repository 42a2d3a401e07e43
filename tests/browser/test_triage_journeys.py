"""Triage journeys: filter and bulk-tag, a tag rule, a released quarantine, an unanswered flow cleaned up."""

import hashlib
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import App, Backup, CleanupCase, Flow, Maker, Tag, TagRule
from tests.conftest import PASSWORD
from tests.inventory.factories import make_app, make_environment, make_flow, make_maker
from tests.support.browser import go_to, open_filters, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_filters_apps_then_tags_every_match_without_a_reload(page, coe_admin):
    default = make_environment()
    wide = [make_app(f"Wide app {n}", environment=default, shared_users_count=90) for n in range(3)]
    narrow = make_app("Narrow app", environment=default, shared_users_count=2)
    sign_in(page, "alice", PASSWORD)
    go_to(page, "Apps")
    expect(page.get_by_text("4 results")).to_be_visible()
    open_filters(page)
    page.get_by_label("Shared with at least").fill("50")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("3 results")).to_be_visible()
    assert "shared_min=50" in page.url  # the filtered view can be bookmarked
    page.evaluate("window.notReloaded = true")
    page.get_by_label("or a new tag").fill("Too widely shared")
    page.get_by_label("Apply to").select_option("all")
    page.get_by_role("button", name="Apply to selection").click()
    expect(page.get_by_role("status").filter(has_text="Tagged")).to_have_text(
        "Tagged 3 apps with Too widely shared.")
    assert page.evaluate("window.notReloaded") is True
    tag = Tag.objects.get(name="Too widely shared")
    assert set(tag.apps.all()) == set(wide) and narrow not in tag.apps.all()
    # Untag one checked row.
    page.get_by_role("row").filter(has_text="Wide app 1").get_by_role("checkbox").check()
    page.get_by_label("Bulk action").select_option("remove")
    page.get_by_label("Tag to apply").select_option(label="Too widely shared")
    page.get_by_label("Apply to").select_option("selected")
    page.get_by_role("button", name="Apply to selection").click()
    expect(page.get_by_role("status").filter(has_text="Untagged")).to_contain_text("Untagged 1 apps")
    assert tag.apps.count() == 2


def test_admin_builds_a_tag_rule_previews_it_and_applies_it(page, coe_admin):
    default = make_environment()
    hr = make_maker("Hana", department="HR")
    make_app("HR onboarding", environment=default, owner=hr)
    make_flow("HR reminders", environment=default, creator=hr)
    make_app("Sales pipeline", environment=default)
    Tag.objects.create(name="HR", slug="hr")
    sign_in(page, "alice", PASSWORD)
    go_to(page, "Tags")
    page.get_by_role("link", name="Tag rules").click()
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name").fill("HR department")
    page.get_by_label("Tag", exact=True).select_option(label="HR")
    page.get_by_label("Kind").select_option("department")
    page.get_by_label("Value").fill("hr")
    page.get_by_role("button", name="Preview matches").click()
    expect(page.locator("[data-preview]")).to_have_text("This rule matches 1 apps and 1 flows now.")
    assert not TagRule.objects.exists()
    page.get_by_role("button", name="Save and apply").click()
    expect(page.get_by_role("status")).to_contain_text("Rule HR department tagged 2 items with HR.")
    expect(page.get_by_role("row").filter(has_text="HR department")).to_contain_text("2")
    page.goto("/inventory/apps/?tag=hr")
    expect(page.get_by_text("1 result", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="HR onboarding", exact=True)).to_be_visible()


def _reload_until(page, locator_text, timeout=60, role=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.reload()
        found = page.get_by_role(role, name=locator_text, exact=True) if role else page.get_by_text(locator_text)
        if found.count():
            return
        time.sleep(0.5)
    raise AssertionError(f"{locator_text!r} never showed")


def test_admin_checks_rows_and_tags_them_with_the_keyboard_only(page, coe_admin):
    default = make_environment()
    first, second = make_app("Keyboard app 1", environment=default), make_app("Keyboard app 2", environment=default)
    make_app("Keyboard app 3", environment=default)
    sign_in(page, "alice", PASSWORD)
    page.goto("/inventory/apps/")
    page.get_by_label("Select every row on this page").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("Select Keyboard app 3")).to_be_checked()
    page.keyboard.press("Space")  # and none again
    for app in (first, second):
        page.get_by_label(f"Select {app.display_name}").focus()
        page.keyboard.press("Space")
    page.get_by_label("or a new tag").focus()
    page.keyboard.type("Picked by keyboard")
    page.get_by_role("button", name="Apply to selection").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Tagged")).to_have_text("Tagged 2 apps with Picked by keyboard.")
    assert set(Tag.objects.get(name="Picked by keyboard").apps.all()) == {first, second}


def test_a_bulk_tag_over_an_invalid_filter_is_refused_on_the_page(page, coe_admin):
    make_app("Refused app", environment=make_environment())
    sign_in(page, "alice", PASSWORD)
    page.goto("/inventory/apps/?shared_min=abc")
    expect(page.get_by_role("alert").filter(has_text="nothing is listed")).to_contain_text("shared_min")
    page.get_by_label("or a new tag").fill("Everything")
    page.get_by_label("Apply to").select_option("all")
    page.get_by_role("button", name="Apply to selection").click()
    expect(page.locator("#bulk-result")).to_contain_text("Nothing was changed")
    expect(page.locator("#bulk-result")).to_contain_text("(shared_min): Enter a number.")
    assert not Tag.objects.filter(name="Everything").exists()


@pytest.fixture
def synced_tenant(make_synced_tenant):
    return make_synced_tenant(environments=2, apps=6, flows=6)[0]


def test_admin_quarantines_an_app_and_the_owner_answer_releases_it(page, browser, live_server, synced_tenant,
                                                                    coe_admin, maker, celery_worker):
    app = App.objects.filter(deleted_at__isnull=True, owner__isnull=False).first()
    Maker.objects.filter(pk=app.owner_id).update(email=maker.email)
    sign_in(page, "alice", PASSWORD)
    page.goto(f"/inventory/apps/{app.pk}/")
    page.get_by_text("Quarantine this app…").click()
    page.get_by_role("button", name="Quarantine and e-mail the owner").click()
    expect(page.get_by_role("status")).to_contain_text(f"Clean-up of {app.display_name} started")
    page.evaluate("window.notReloaded = true")
    # The job's progress card polls itself: "Quarantining…" then "Done" without a reload.
    expect(page.locator("[data-step]")).to_contain_text("Done: quarantined", timeout=30_000)
    # The owner's answer is offered once the app is quarantined, also without a reload.
    expect(page.locator("[data-stage]")).to_have_text("Waiting for the owner", timeout=10_000)
    expect(page.get_by_role("button", name="Keep my app")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert synced_tenant.app(app.environment.env_id, app.app_id).quarantined

    owner = browser.new_context(base_url=live_server.url).new_page()
    sign_in(owner, "bob", PASSWORD)
    owner.goto(f"/inventory/apps/{app.pk}/")
    owner.get_by_label("Why this app is still needed").fill("The team files expenses with it every week")
    owner.get_by_role("button", name="Keep my app").click()
    expect(owner.get_by_role("status")).to_contain_text("is being released")
    _reload_until(owner, "Released by the owner")
    assert not synced_tenant.app(app.environment.env_id, app.app_id).quarantined
    owner.context.close()


def test_an_unanswered_flow_is_backed_up_deleted_and_its_backup_downloads(page, synced_tenant, coe_admin,
                                                                          celery_worker):
    flow = Flow.objects.filter(deleted_at__isnull=True).first()
    sign_in(page, "alice", PASSWORD)
    page.goto(f"/inventory/flows/{flow.pk}/")
    page.get_by_text("Stop this flow…").click()
    page.get_by_role("form", name="Confirm the stop").get_by_role("button", name="Stop", exact=False).click()
    _reload_until(page, "Waiting for the owner")
    assert synced_tenant.flow(flow.environment.env_id, flow.flow_id).state == "Stopped"
    # The grace period passes without an answer.
    CleanupCase.objects.filter(flow=flow).update(grace_until=timezone.now() - timedelta(minutes=1))
    go_to(page, "Clean-up")
    page.get_by_role("button", name="Run due steps now").click()
    expect(page.get_by_role("status")).to_contain_text("1 item queued for backup and deletion.")
    _reload_until(page, "Deleted", role="cell")
    assert synced_tenant.flow(flow.environment.env_id, flow.flow_id) is None
    go_to(page, "Backups")
    backup = Backup.objects.get(case__flow=flow)
    expect(page.get_by_role("cell", name=backup.sha256)).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name=f"Download {flow.display_name}").click()
    content = Path(info.value.path()).read_bytes()
    assert hashlib.sha256(content).hexdigest() == backup.sha256
