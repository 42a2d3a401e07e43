"""A CoE admin runs each environment operation wizard from the first form to a completed checklist."""

import re

import pytest
from playwright.sync_api import expect

from migrations_app.models import CopyEnvironmentPlan, Plan
from tests.conftest import PASSWORD
from tests.migrations_app.plans import environment, inventory_of, pair, populate
from tests.support.browser import go_to, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_wizard(page, link):
    go_to(page, "Environment plans")
    page.get_by_role("link", name=link).click()


def complete_checklist(page):
    rows = page.locator("[data-item]")
    for index in range(rows.count()):
        row = page.locator("[data-item]").nth(index)
        row.get_by_label(re.compile("^Owner of")).fill("Ada")
        row.get_by_label(re.compile("^Status of")).select_option("done")
        row.get_by_role("button", name=re.compile("^Save")).click()
        expect(page.get_by_role("status")).to_contain_text("Done.")
    expect(page.locator("[data-plan-status]")).to_have_text("Completed")


def test_admin_copies_an_environment_and_completes_the_review(page, coe_admin, make_tenant, settings, celery_worker):
    settings.ENVOPS_POLL_SECONDS = 0
    tenant, servers = make_tenant(environments=8, apps=5, flows=5)
    inventory_of(tenant)
    source, target = pair(tenant)
    sign_in(page, "alice", PASSWORD)
    open_wizard(page, "Copy an environment")
    page.get_by_label("Title").fill("Dev copy of production")
    page.get_by_label("Source environment (copied from)").select_option(label=source.display_name)
    page.get_by_label("Target environment (overwritten)").select_option(label=source.display_name)
    page.get_by_label("Customizations and schemas only").check()
    page.get_by_role("button", name="Check and save the plan").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot be copied over itself")
    page.get_by_label("Target environment (overwritten)").select_option(label=target.display_name)
    page.get_by_role("button", name="Check and save the plan").click()
    expect(page.get_by_role("heading", name="204 tables truncated by a customizations and schemas only copy"))\
        .to_be_visible()
    confirmation = page.get_by_label("Type the target environment's name to confirm")
    confirmation.fill(target.display_name)
    confirmation.press("Enter")  # keyboard submits the form
    expect(page.locator("[data-status]")).to_have_text("Completed", timeout=30_000)
    assert CopyEnvironmentPlan.objects.get().operation_status == "Succeeded"
    assert len(servers.context.copy_operations.requests) == 1
    page.reload()
    complete_checklist(page)


def test_admin_prepares_a_tenant_move_with_its_usermapping(page, coe_admin, tmp_path):
    env = environment("Prod Sales", "Production")
    populate(env)
    environment("Dev", "Developer")
    sign_in(page, "alice", PASSWORD)
    open_wizard(page, "Move an environment to another tenant")
    page.get_by_label("Title").fill("Sales to Fabrikam")
    page.get_by_label("Environment to move").select_option(label="Dev")
    page.get_by_label("Destination tenant").fill("fabrikam.com")
    page.get_by_label("Domain rewrite rules").fill("contoso.com=fabrikam.com")
    page.get_by_role("button", name="Check and save the plan").click()
    expect(page.get_by_role("alert")).to_contain_text("'Dev' is a Developer environment")
    page.get_by_label("Environment to move").select_option(label="Prod Sales")
    page.get_by_role("button", name="Check and save the plan").click()
    expect(page.locator('[data-count="flows"]')).to_have_text("1")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download a generated usermapping.csv").click()
    download = info.value
    assert download.suggested_filename == "usermapping.csv"
    good = (tmp_path / "good" / "usermapping.csv")
    good.parent.mkdir()
    download.save_as(good)
    assert good.read_text().splitlines()[1] == "ann@contoso.com,ann@fabrikam.com"
    bad = tmp_path / "usermapping.csv"
    bad.write_text(good.read_text() + "zed@contoso.com,zed@fabrikam.com\r\n")
    page.get_by_label("usermapping.csv file").set_input_files(str(bad))
    page.get_by_role("button", name="Check and save usermapping.csv").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Line 4, column Source: zed@contoso.com is not a user of this environment in the inventory.")
    page.get_by_label("usermapping.csv file").set_input_files(str(good))
    page.get_by_role("button", name="Check and save usermapping.csv").click()
    expect(page.get_by_role("status")).to_contain_text("usermapping.csv checked and saved: 2 users mapped.")
    expect(page.locator('[data-item="usermapping"]')).to_contain_text("Done")
    complete_checklist(page)


def test_admin_moves_a_portal_configuration(page, coe_admin):
    populate(environment("Prod Sales", "Production"))
    environment("UAT Sales")
    sign_in(page, "alice", PASSWORD)
    open_wizard(page, "Move a portal's configuration")
    page.get_by_label("Title").fill("Partner portal to UAT")
    page.get_by_label("Source portal").select_option(label="Partner Site")
    page.get_by_label("Target environment").select_option(label="UAT Sales")
    page.get_by_label("Source template").select_option(label="Partner portal")
    page.get_by_label("Target template").select_option(label="Community portal")
    page.get_by_label("Source version").fill("9.3.2201.6")
    page.get_by_label("Target version").fill("8.4.0.274")
    page.get_by_role("button", name="Check and save the plan").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("same template as the source")
    expect(alert).to_contain_text("The target portal solution version 8.4.0.274 is older than 8.4.0.275")
    page.get_by_label("Target template").select_option(label="Partner portal")
    page.get_by_label("Target version").fill("9.2.2103.4")
    page.get_by_role("button", name="Check and save the plan").click()
    expect(page.locator("#cli-script")).to_contain_text("pac paportal upload")
    complete_checklist(page)
    assert Plan.objects.get().status == "completed"
