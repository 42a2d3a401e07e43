"""The Apps list's controls: filters folded away above the results, a connector chosen by its name,
the custom-connector filter, and a selection bar that counts rows and checks ranges."""

import pytest
from playwright.sync_api import expect

from inventory.models import Connector, ConnectorUsage
from tests.conftest import PASSWORD
from tests.inventory.factories import make_app, make_environment
from tests.support.browser import go_to, open_filters, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def apps():
    default = make_environment()
    sharepoint = Connector.objects.create(connector_id="shared_sharepointonline", display_name="SharePoint",
                                          tier="standard")
    invoices = Connector.objects.create(connector_id="shared_contoso-5finvoices-5f1a2b",
                                        display_name="Contoso Invoices", is_custom=True)
    listed = [make_app(f"App {n:02}", environment=default) for n in range(1, 13)]
    ConnectorUsage.objects.create(app=listed[0], connector=sharepoint)
    ConnectorUsage.objects.create(app=listed[1], connector=invoices)
    return listed


def test_the_filters_fold_away_and_the_first_results_show_above_the_fold(page, coe_admin, apps):
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, "alice", PASSWORD)
    go_to(page, "Apps")
    expect(page.get_by_label("Shared with at least")).to_be_hidden()
    first_row = page.get_by_role("row").nth(1)
    box = first_row.bounding_box()
    assert box["y"] + box["height"] <= 900, f"the first result ends at {box['y'] + box['height']} px"
    expect(page.locator("[data-active-filters]")).to_have_text("none")

    open_filters(page)
    expect(page.get_by_label("In default environment")).to_have_value("")
    assert page.get_by_label("In default environment").locator("option").all_inner_texts() == ["Any", "Yes", "No"]
    page.get_by_label("Shared with at least").fill("0")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("[data-active-filters]")).to_have_text("Shared with at least: 0")


def test_admin_picks_a_connector_by_its_name_and_filters_custom_connectors(page, coe_admin, apps):
    sign_in(page, "alice", PASSWORD)
    go_to(page, "Apps")
    open_filters(page)
    page.get_by_label("Connector", exact=True).press_sequentially("sharep")
    page.get_by_role("button", name="SharePoint shared_sharepointonline").click()
    expect(page.get_by_label("Connector", exact=True)).to_have_value("shared_sharepointonline")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 result", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="App 01", exact=True)).to_be_visible()
    expect(page.locator("[data-active-filters]")).to_have_text("Connector: SharePoint")

    # A name not picked from the suggestions is refused, naming it, rather than read as "any connector".
    page.get_by_label("Connector", exact=True).fill("Sharepoint Online")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("alert")).to_contain_text("Unknown connector “Sharepoint Online”")

    page.get_by_label("Connector", exact=True).fill("")
    page.get_by_label("Uses a custom connector").select_option(label="Yes")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 result", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="App 02", exact=True)).to_be_visible()
    expect(page.locator("[data-active-filters]")).to_have_text("Uses a custom connector: yes")


def test_shift_click_checks_a_range_and_the_bar_counts_it(page, coe_admin, apps):
    sign_in(page, "alice", PASSWORD)
    go_to(page, "Apps")
    count = page.locator("[data-selected-count]")
    expect(count).to_contain_text("No row checked")
    page.get_by_label("Select App 03").click()
    expect(count).to_have_text("1 row checked")
    page.get_by_label("Select App 09").click(modifiers=["Shift"])
    expect(count).to_have_text("7 rows checked")
    for number in range(3, 10):
        expect(page.get_by_label(f"Select App {number:02}")).to_be_checked()
    expect(page.get_by_label("Select App 10")).not_to_be_checked()
    page.get_by_label("Select App 05").click(modifiers=["Shift"])  # unchecks 05 to 09 again
    expect(count).to_have_text("2 rows checked")
    page.get_by_label("or a new tag").fill("Picked as a range")
    page.get_by_role("button", name="Apply to selection").click()
    expect(page.get_by_role("status").filter(has_text="Tagged")).to_have_text("Tagged 2 apps with Picked as a range.")
