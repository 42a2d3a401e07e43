"""A CoE admin filters apps and tags the result in bulk, and builds a tag rule and applies it."""

import pytest
from playwright.sync_api import expect

from inventory.models import Tag, TagRule
from tests.conftest import PASSWORD
from tests.inventory.factories import make_app, make_environment, make_flow, make_maker
from tests.support.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_filters_apps_then_tags_every_match_without_a_reload(page, coe_admin):
    default = make_environment()
    wide = [make_app(f"Wide app {n}", environment=default, shared_users_count=90) for n in range(3)]
    narrow = make_app("Narrow app", environment=default, shared_users_count=2)
    sign_in(page, "alice", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Apps").click()
    expect(page.get_by_text("4 results")).to_be_visible()
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
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tags").click()
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
    expect(page.get_by_role("cell", name="HR onboarding")).to_be_visible()
