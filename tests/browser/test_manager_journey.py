"""A manager's morning: home figures refreshed in place, what blocks progress, a list behind a count, its CSV."""

import csv

import pytest
from playwright.sync_api import expect

from coe_portal.core.ratelimit import shared_client
from coe_portal.dashboards import freshness
from tests.conftest import PASSWORD
from tests.dashboards.blocker_samples import two_departments
from tests.support.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_home_to_blockers_to_a_list_and_its_csv(page, manager, celery_worker, tmp_path):
    shared_client().delete(freshness.ASKED_KEY)
    two_departments(manager)  # Finance is Mia's; Sales has blockers of its own she must not see
    sign_in(page, "mia", PASSWORD)
    progress = page.get_by_role("region", name="Progress: Finance")
    expect(progress.get_by_text("No figures yet")).to_be_visible()
    # No snapshot yet: she asks for one, and the cards fill in without a reload once the worker took it.
    progress.get_by_role("button", name="Refresh figures").click()
    expect(progress.get_by_role("row", name="Inventoried 3 (100 %)")).to_be_visible(timeout=30_000)
    expect(progress.get_by_text("Figures taken")).to_be_visible()

    blockers = page.get_by_role("region", name="What blocks progress")
    expect(blockers.get_by_role("row", name="Items with no target environment 1")).to_be_visible()
    blockers.get_by_role("link", name="What each blocker means").click()
    expect(page.get_by_role("heading", name="What blocks progress")).to_be_visible()
    expect(page.get_by_text("For Finance.")).to_be_visible()
    page.get_by_role("link", name="Migration requests needing input: 1").click()

    expect(page.get_by_role("heading", name="Migration requests needing input")).to_be_visible()
    expect(page.get_by_role("cell", name="Finance", exact=True)).to_have_count(1)
    expect(page.get_by_role("cell", name="Sales", exact=True)).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    path = tmp_path / "needs_input.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [row["Department"] for row in rows] == ["Finance"]
    assert "Budget" in rows[0]["Items"] and rows[0]["Step"] == "Map connections"
