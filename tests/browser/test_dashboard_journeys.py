"""A manager reads the progress charts of their departments and filters them."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coe_portal.core.models import UserProfile
from coe_portal.dashboards.snapshots import take_snapshot
from inventory.models import App, Environment, Maker
from tests.conftest import PASSWORD
from tests.support.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_departments(manager):
    UserProfile.objects.create(user=manager, managed_departments=["Finance", "Sales"])
    default = Environment.objects.create(env_id="Default-1", display_name="Default", is_default=True,
                                         capacity_database_mb=1200, capacity_limit_mb=4000)
    for department, count in (("Finance", 5), ("Sales", 2), ("Legal", 9)):
        owner = Maker.objects.create(email=f"{department}@contoso.example", department=department)
        for n in range(count):
            App.objects.create(app_id=f"{department}-{n}", environment=default, display_name=f"{department} {n}",
                               owner=owner)
    App.objects.filter(app_id="Finance-0").update(deleted_at=timezone.now())
    take_snapshot()


def test_manager_reads_the_charts_and_filters_them(page, manager, two_departments):
    sign_in(page, "mia", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Progress").click()
    funnel = page.get_by_role("img", name="Migration funnel")
    expect(funnel).to_be_visible()
    # Legal is not one of the manager's departments: 5 + 2 inventoried, not 16.
    expect(funnel.locator("rect").first).to_have_attribute("data-value", "7")
    expect(page.get_by_role("img", name="Default environment Dataverse capacity")).to_be_visible()
    page.get_by_role("combobox", name="Department").select_option(label="Sales")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("img", name="Migration funnel").locator("rect").first).to_have_attribute("data-value", "2")
    chart = page.get_by_role("region", name="Progress by department")
    chart.get_by_text("Table").click()
    expect(chart.get_by_role("cell", name="Sales")).to_be_visible()
    expect(chart.get_by_role("cell", name="Finance")).to_have_count(0)
