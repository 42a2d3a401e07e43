"""Issue 20: a row's link on any list opens the item's page, whole: one header, not a page inside the list."""

import pytest
from playwright.sync_api import expect

from dlp.models import Policy
from tests.comms.factories import comms_objects
from tests.conftest import PASSWORD
from tests.inventory.factories import make_flow, make_tag, use_connector
from tests.support.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (menu link, the heading the item's page opens with)
# Every list whose rows link to a page (environments and makers are listed without one).
LISTS = [("Apps", None), ("Flows", "Nightly export"), ("Tags", "Keep"), ("Campaigns", "Matrix campaign"),
         ("E-mail templates", None), ("DLP policies", "Baseline")]


@pytest.fixture
def one_of_each(coe_admin):
    objects = comms_objects()
    app = objects["comms_app"]
    app.tags.add(make_tag("Keep"))
    use_connector(app, "shared_sharepointonline")
    make_flow("Nightly export", environment=app.environment, creator=app.owner)
    Policy.objects.create(name="p1", display_name="Baseline")
    return objects


def test_a_row_link_on_every_list_opens_the_whole_item_page(page, one_of_each):
    sign_in(page, "alice", PASSWORD)
    menu = page.get_by_role("navigation", name="Main")
    for link, heading in LISTS:
        menu.get_by_role("link", name=link, exact=True).click()
        row = page.locator("#results tbody tr").first
        expect(row).to_be_visible()
        list_url = page.url
        row.get_by_role("link").first.click()
        expect(page).not_to_have_url(list_url)
        assert page.locator("header.topbar").count() == 1, f"{link}: the item page opened inside the list"
        assert page.locator("#results").count() == 0 or page.locator("#results header").count() == 0
        if heading:
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        menu = page.get_by_role("navigation", name="Main")
