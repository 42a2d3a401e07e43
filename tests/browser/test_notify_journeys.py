"""The admin's communication journeys, clicking only from the home page: notify the owners of a tagged
selection, and of the items a DLP draft would newly break; the messages reach the SMTP sink."""

import time

import pytest
from playwright.sync_api import expect

from comms.services import sending
from dlp.models import ImpactRun
from dlp.services import impact
from dlp.services.policies import copy_to_draft
from inventory.models import Tag
from tests.comms.conftest import default_templates  # noqa: F401
from tests.conftest import PASSWORD
from tests.dlp.world import add_item, add_policy, build_inventory
from tests.inventory.factories import make_app, make_environment, make_maker
from tests.support.browser import go_to, open_filters, sign_in
from tests.support.smtp import smtp_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mail(settings, live_server, smtp_server):  # noqa: F811
    settings.SITE_URL = live_server.url
    for limit in (sending.message_limit(), sending.recipient_limit()):
        limit.reset()
    return smtp_server


def body(message):
    return message.get_body(("plain",)).get_content()


def wait_for_mail(sink, address, timeout=30):
    deadline = time.monotonic() + timeout
    while not sink.to(address):
        assert time.monotonic() < deadline, f"no message reached {address}"
        time.sleep(0.2)
    return sink.to(address)


def test_admin_tags_a_triaged_selection_and_notifies_its_owners(page, coe_admin, default_templates,  # noqa: F811
                                                                mail, celery_worker):
    default = make_environment()
    ann = make_maker("Ann Lee", email="ann@contoso.example")
    ben = make_maker("Ben Ode", email="ben@contoso.example")
    make_app("Expense tracker", environment=default, owner=ann, recommendation="migrate")
    make_app("Leave planner", environment=default, owner=ben, recommendation="migrate")
    make_app("Room booking", environment=default, owner=ben, recommendation="migrate")
    make_app("Canteen menu", environment=default, owner=ben, recommendation="keep")
    make_app("Budget 2027", environment=make_environment(default=False), owner=ann, recommendation="migrate")

    sign_in(page, "alice", PASSWORD)
    page.get_by_role("row", name="Apps in the default environment").get_by_role("link").click()
    expect(page.get_by_text("4 results")).to_be_visible()
    expect(page.locator("[data-active-filters]")).to_contain_text("In default environment: yes")
    open_filters(page)
    page.get_by_role("combobox", name="Recommendation").select_option("migrate")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("3 results")).to_be_visible()
    page.get_by_label("Select Expense tracker").check()
    page.get_by_label("Select Leave planner").check()
    page.get_by_label("or a new tag").fill("Move out of default")
    page.get_by_label("Apply to").select_option("selected")
    page.get_by_role("button", name="Apply to selection").click()
    expect(page.get_by_role("status").filter(has_text="Tagged")).to_have_text(
        "Tagged 2 apps with Move out of default.")

    page.get_by_role("button", name="Notify owners of the checked rows").click()
    expect(page.get_by_role("heading", name="New campaign")).to_be_visible()
    expect(page.locator("[data-reach]")).to_have_text("To 2 owners about 2 items (2 apps, 0 flows).")
    page.get_by_label("Name").fill("Move out of the default environment")
    page.get_by_role("button", name="Create and start").click()
    expect(page.get_by_role("status").filter(has_text="Started")).to_be_visible()
    expect(page.locator("[data-delivery-sent]")).to_have_text("2", timeout=30_000)  # updates by itself

    [to_ann] = wait_for_mail(mail, "ann@contoso.example")
    [to_ben] = wait_for_mail(mail, "ben@contoso.example")
    assert "Expense tracker" in body(to_ann) and "Leave planner" not in body(to_ann)
    assert "Leave planner" in body(to_ben) and "Room booking" not in body(to_ben)
    page.get_by_role("link", name="Delivery log").click()
    for address in ("ann@contoso.example", "ben@contoso.example"):
        expect(page.get_by_role("row").filter(has_text=address)).to_contain_text("Sent")
    assert {app.display_name for app in Tag.objects.get(name="Move out of default").apps.all()} == {
        "Expense tracker", "Leave planner"}


def test_admin_notifies_the_owners_of_what_a_dlp_draft_newly_breaks(page, coe_admin, default_templates,  # noqa: F811
                                                                   mail, celery_worker):
    envs, c = build_inventory()
    ann = make_maker("Ann Lee", email="ann@contoso.example")
    add_item("Tweet poster", envs["dev"], [c["sharepoint"], c["twitter"]], kind="flow", maker=ann)
    add_item("Site viewer", envs["dev"], [c["sharepoint"]])
    live = add_policy("Tenant baseline", envs, c, groups={"sharepoint": "business"}, default="business")
    draft = copy_to_draft(live)
    draft.connectors.filter(connector=c["twitter"]).delete()
    draft.connectors.create(connector=c["twitter"], group="non_business")
    impact.compute(ImpactRun.objects.create(draft=draft))

    sign_in(page, "alice", PASSWORD)
    go_to(page, "DLP policies")
    page.get_by_role("link", name=draft.display_name).click()
    page.get_by_role("link", name="Impact review").click()
    page.get_by_role("link", name="1 Newly broken").click()
    expect(page.get_by_role("row").filter(has_text="Tweet poster")).to_contain_text("non-business twitter")
    page.get_by_role("button", name="Notify the owners of these 1 item").click()

    expect(page.locator("[data-reach]")).to_have_text("To 1 owner about 1 item (0 apps, 1 flow).")
    expect(page.get_by_label("Name")).to_have_value(f"Owners of items impacted by {draft.display_name}")
    page.get_by_role("button", name="Create and start").click()
    expect(page.locator("[data-delivery-sent]")).to_have_text("1", timeout=30_000)
    [message] = wait_for_mail(mail, "ann@contoso.example")
    assert "Tweet poster" in body(message) and "Site viewer" not in body(message)
    expect(page.get_by_role("row").filter(has_text="ann@contoso.example")).to_contain_text("Tweet poster")
    assert len(mail.messages) == 1
