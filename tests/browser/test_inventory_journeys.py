"""An admin syncs the tenant from the browser, browses the result, and imports CoE kit files."""

import pytest
from playwright.sync_api import expect

from inventory.models import App
from tests.conftest import PASSWORD
from tests.support.browser import go_to, open_filters, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = ("AppName,AppOwner,AppOwnerEmail,AppConnections,AppID,AppEnvironmentID\n"
        "Expense tracker,Ann Lee,ann@contoso.example,SharePoint,6d0a9a7e-3c1f-4a52-9d6c-0d7a1c1e2f10,"
        "Default-72f988bf-86f1-41af-91ab-2d7cd011db47\n")
BAD = GOOD + "Broken app,Bo,bo@contoso.example,SharePoint,not-a-guid,Default-72f988bf-86f1-41af-91ab-2d7cd011db47\n"


def test_admin_syncs_from_the_browser_and_browses_apps(page, coe_admin, make_tenant, celery_worker):
    tenant, _ = make_tenant()
    sign_in(page, "alice", PASSWORD)
    go_to(page, "Sync")
    page.get_by_role("button", name="Full sync").click()
    expect(page.locator("[data-status]")).to_have_text("Completed", timeout=60_000)
    expect(page.get_by_role("row").filter(has_text="Apps")).to_contain_text(str(len(tenant.apps)))
    go_to(page, "Apps")
    expect(page.get_by_text(f"{len(tenant.apps)} results")).to_be_visible()
    first = App.objects.order_by("display_name").first()
    open_filters(page)
    page.get_by_label("Search").fill(first.display_name)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("cell", name=first.display_name, exact=True).first).to_be_visible()


def test_admin_imports_a_dlp_export_and_is_told_where_a_bad_one_breaks(page, coe_admin, tmp_path):
    (tmp_path / "apps.csv").write_text(BAD)
    sign_in(page, "alice", PASSWORD)
    page.goto("/inventory/import/")
    page.get_by_label("CSV file").set_input_files(str(tmp_path / "apps.csv"))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert")).to_contain_text("line 3, column 5 (AppID)")
    assert not App.objects.exists()
    (tmp_path / "apps.csv").write_text(GOOD)
    page.get_by_label("CSV file").set_input_files(str(tmp_path / "apps.csv"))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("Imported apps.csv")
    assert App.objects.get().display_name == "Expense tracker"
