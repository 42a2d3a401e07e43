"""Issue 20: a row clicked on a list page opens its page, with the site's header once."""

import pytest
from playwright.sync_api import expect

from comms.models import Campaign, EmailTemplate
from dlp.models import Policy
from migrations_app.models import MigrationRequest
from tests.conftest import PASSWORD
from tests.inventory.factories import make_app, make_environment, make_flow, make_maker, make_tag, use_connector
from tests.support.browser import go_to, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def one_of_each(coe_admin):
    """A row on every list page; returns (menu link, list heading, heading of the first row's page or None)."""
    owner = make_maker(name="Ann Lee")
    app = make_app(name="Expense tracker", owner=owner)
    make_flow(name="Approve invoices", creator=owner)
    use_connector(app, "shared_sharepointonline")
    make_tag(name="review")
    template = EmailTemplate.objects.create(name="First notice", stage="identified", subject="Hi", body_text="x",
                                            body_html="<p>x</p>")
    EmailTemplate.objects.exclude(pk=template.pk).delete()
    Campaign.objects.create(name="Wave 1", template=template, source_kind="selection", selection={"app": [app.pk]})
    Policy.objects.create(name="p1", display_name="Block Twitter in Finance")
    migration = MigrationRequest.objects.create(requested_by=coe_admin, target=make_environment(default=False),
                                                reason="Team app")
    return [
        ("Apps", "Apps", "Expense tracker"),
        ("Flows", "Flows", "Approve invoices"),
        ("Tags", "Tags", "Tag review"),
        ("Campaigns", "Campaigns", "Wave 1"),
        ("E-mail templates", "E-mail templates", "First notice"),
        ("DLP policies", "DLP policies", "Block Twitter in Finance"),
        ("Migration requests", "Migration requests", f"Migration request #{migration.pk}"),
        # No page of their own (a maker's e-mail address is a mailto link): a click on the row's name
        # leaves the list as it is.
        ("Environments", "Environments", None),
        ("Makers", "Makers", None),
        ("Connectors", "Connectors", None),
    ]


def test_a_row_click_on_every_list_page_opens_one_page_with_one_header(page, one_of_each):
    sign_in(page, "alice", PASSWORD)
    for menu, heading, detail in one_of_each:
        go_to(page, menu)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        row = page.locator("#results tbody tr").first
        if detail is None:
            name = row.locator("td").first
            expect(name.get_by_role("link")).to_have_count(0)
            name.click()
        else:
            row.get_by_role("link").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(detail or heading)
        expect(page.locator("header.topbar"), f"{menu}: one header").to_have_count(1)
        expect(page.get_by_role("navigation", name="Main")).to_have_count(1)
        expect(page.locator("#results h1, #results header")).to_have_count(0)
