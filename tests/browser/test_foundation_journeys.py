"""Sign-in, navigation per role, the 403 page, a job with a progress bar, and role editing."""

import re

import pytest
from playwright.sync_api import expect

from coe_portal.core.models import AuditEntry
from coe_portal.core.permissions import user_roles
from tests.conftest import PASSWORD
from tests.support.browser import sign_in
from tests.support.identity import MAX

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_role_sees_its_own_navigation(page, coe_admin, maker, manager):
    nav = page.get_by_role("navigation", name="Main")
    sign_in(page, "alice", PASSWORD)
    groups = nav.locator("summary")
    expect(groups).to_have_text(["Inventory", "DLP", "Clean-up", "Migration", "Communication", "Administration"])
    top = nav.locator("ul.nav > li")
    assert top.first.bounding_box()["y"] == top.last.bounding_box()["y"], "the menu fits one row"
    expect(nav.get_by_role("link", name="Audit log")).to_be_hidden()
    nav.get_by_text("Administration").click()
    expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
    nav.get_by_text("Inventory").click()  # one group open at a time
    expect(nav.get_by_role("link", name="Audit log")).to_be_hidden()
    expect(nav.get_by_role("link", name="Apps", exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="Apps", exact=True)).to_be_hidden()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "bob", PASSWORD)
    expect(nav.get_by_role("link", name="My profile")).to_be_visible()
    expect(nav.locator("summary")).to_have_count(0)
    expect(nav.get_by_role("link", name="Audit log", include_hidden=True)).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "mia", PASSWORD)
    expect(page.get_by_role("heading", name=re.compile(r"^Progress"))).to_be_visible()
    expect(nav.locator("summary")).to_have_text(["Inventory", "DLP", "Migration"])
    expect(nav.get_by_role("link", name="Users & roles", include_hidden=True)).to_have_count(0)
    expect(nav.get_by_role("link", name="Apps", include_hidden=True)).to_have_count(1)


def test_sign_in_works_from_the_keyboard_alone(page, maker):
    page.goto("/login/")
    page.keyboard.type("bob")  # the username field has focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Welcome, Bob")).to_be_visible()


def test_wrong_password_is_explained(page, maker):
    page.goto("/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill("nope")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")


def test_maker_is_told_which_role_a_page_needs(page, maker):
    sign_in(page, "bob", PASSWORD)
    response = page.goto("/audit/")
    assert response.status == 403
    expect(page.get_by_role("main")).to_contain_text("This page needs the role CoE admin")


def test_admin_runs_health_check_and_watches_it_finish(page, coe_admin, celery_worker):
    sign_in(page, "alice", PASSWORD)
    page.get_by_role("button", name="Run a health check").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]+/$"))
    expect(page.locator("[data-status]")).to_have_text("Completed", timeout=20_000)
    expect(page.locator("progress")).to_have_attribute("value", "100")
    expect(page.get_by_role("listitem").filter(has_text="Database: PostgreSQL")).to_be_visible()


def test_admin_grants_a_role_without_reloading(page, coe_admin, maker):
    sign_in(page, "alice", PASSWORD)
    page.goto("/users/?q=bob")
    row = page.get_by_role("row").filter(has_text="bob@contoso.example")
    page.evaluate("window.notReloaded = true")
    row.get_by_label("Manager").check()
    expect(row.get_by_role("status")).to_have_text("Saved")
    assert page.evaluate("window.notReloaded") is True
    assert user_roles(maker) == {"maker", "manager"}
    assert AuditEntry.objects.filter(action="user.roles", object_id=str(maker.pk)).exists()


def test_audit_log_filters_in_place_and_offers_csv(page, coe_admin):
    AuditEntry.objects.create(actor_name="carol", action="tag.create", object_repr="Finance apps")
    AuditEntry.objects.create(actor_name="dave", action="app.quarantine", object_repr="Expense tracker")
    sign_in(page, "alice", PASSWORD)
    page.goto("/audit/")
    page.get_by_label("Search").fill("Expense")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"q=Expense"))
    expect(page.get_by_role("cell", name="Expense tracker")).to_be_visible()
    expect(page.get_by_role("cell", name="Finance apps")).to_have_count(0)
    expect(page.get_by_role("link", name="Export CSV")).to_have_attribute("href", re.compile(r"q=Expense.*export=csv"))


def test_sign_in_with_microsoft(page, entra):
    page.goto("/login/")
    page.get_by_role("link", name="Sign in with Microsoft").click()
    page.get_by_label("Account").select_option(MAX.email)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Max")).to_be_visible()
    page.get_by_role("link", name="Max Maker").click()
    expect(page.get_by_text(MAX.oid)).to_be_visible()
