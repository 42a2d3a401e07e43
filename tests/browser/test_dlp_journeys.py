"""An admin edits a draft DLP policy, sees what newly breaks and why, exports the CSVs and notifies makers."""

import csv

import pytest
from playwright.sync_api import expect

from dlp.models import ImpactRun
from dlp.services import impact
from dlp.services.policies import copy_to_draft
from tests.conftest import PASSWORD
from tests.dlp.world import add_item, add_policy, build_inventory
from tests.support.browser import go_to, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _read(download):
    with open(download.path(), newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_admin_edits_a_draft_sees_newly_broken_items_exports_and_notifies(page, coe_admin, tmp_path):
    envs, c = build_inventory()
    add_item("Expense poster", envs["dev"], [c["sharepoint"], c["twitter"]], kind="flow")
    add_item("Site viewer", envs["dev"], [c["sharepoint"]])
    live = add_policy("Tenant baseline", envs, c, groups={"sharepoint": "business"}, default="business")
    draft = copy_to_draft(live)
    impact.compute(ImpactRun.objects.create(draft=draft))

    sign_in(page, "alice", PASSWORD)
    go_to(page, "DLP policies")
    page.get_by_role("link", name=draft.display_name).click()
    page.get_by_label("Search connectors").fill("twitter")
    expect(page.locator("#connector-rows tbody tr")).to_have_count(1)  # the search has answered
    row = page.locator("#connector-rows tr").filter(has_text="shared_twitter")
    row.get_by_role("button", name="Non-business").click()
    expect(page.get_by_role("status").filter(has_text="Moved")).to_contain_text("1 newly broken")

    page.get_by_role("link", name="See the impact").click()
    page.get_by_role("link", name="1 Newly broken").click()
    broken = page.get_by_role("row").filter(has_text="Expense poster")
    expect(broken).to_contain_text("business sharepoint with non-business twitter")
    expect(page.get_by_role("row").filter(has_text="Site viewer")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "dlp-newly-broken.png"), full_page=True)

    page.get_by_role("link", name="Back to the impact summary").click()
    with page.expect_download() as flows:
        page.get_by_role("link", name="Export flow.csv").click()
    [exported] = _read(flows.value)
    assert (exported["FlowName"], exported["ImpactRules"], exported["NonBusinessConnectors"]) == (
        "Expense poster", "mixed", "shared_twitter")
    with page.expect_download() as apps:
        page.get_by_role("link", name="Export apps.csv").click()
    assert _read(apps.value) == []

    page.get_by_role("link", name="All impacted items").click()
    page.get_by_role("row").filter(has_text="Expense poster").get_by_role("checkbox").check()
    page.get_by_role("button", name="Notify owners", exact=True).click()
    expect(page.locator("[data-reach]")).to_have_text("To 1 owner about 1 item (0 apps, 1 flow).")
