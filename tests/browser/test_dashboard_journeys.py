"""A manager reads the progress charts of their departments and filters them."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coe_portal.core.models import UserProfile
from coe_portal.dashboards.snapshots import take_snapshot
from inventory.models import App, Environment, Maker
from tests.conftest import PASSWORD
from tests.support.browser import go_to, sign_in

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
    sales_env = Environment.objects.create(env_id="env-sales", display_name="Sales env", environment_type="Production")
    sales = Maker.objects.get(department="Sales")
    for n in range(3):
        App.objects.create(app_id=f"moved-{n}", environment=sales_env, display_name=f"Moved {n}", owner=sales)
    take_snapshot()


def test_manager_reads_the_charts_and_filters_them(page, manager, two_departments, tmp_path):
    sign_in(page, "mia", PASSWORD)
    go_to(page, "Progress")
    funnel = page.get_by_role("img", name="Migration funnel")
    expect(funnel).to_be_visible()
    # Legal is not one of the manager's departments: 5 + 2 inventoried, not 16.
    expect(funnel.locator("rect").first).to_have_attribute("data-value", "7")
    expect(page.get_by_role("img", name="Default environment Dataverse capacity")).to_be_visible()
    # Items left per environment: Default holds 4 of Finance and 2 of Sales, "Sales env" 3.
    environments = page.get_by_role("img", name="Progress by environment")
    expect(environments.locator("rect")).to_have_count(2)
    expect(environments.locator("rect").first).to_have_attribute("data-value", "6")
    page.screenshot(path=str(tmp_path / "dashboard-manager.png"), full_page=True)
    page.get_by_role("combobox", name="Department").select_option(label="Sales")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("img", name="Migration funnel").locator("rect").first).to_have_attribute("data-value", "2")
    chart = page.get_by_role("region", name="Progress by department")
    chart.get_by_text("Table").click()
    expect(chart.get_by_role("cell", name="Sales")).to_be_visible()
    expect(chart.get_by_role("cell", name="Finance")).to_have_count(0)
    # The department filter applies to the environment chart too: Sales has 3 in its own environment, 2 in Default.
    by_environment = page.get_by_role("region", name="Progress by environment")
    expect(by_environment.get_by_role("img").locator("rect").first).to_have_attribute("data-value", "3")
    by_environment.get_by_text("Table").click()
    expect(by_environment.get_by_role("row", name="Sales env 3")).to_be_visible()
    expect(by_environment.get_by_role("row", name="Default 2")).to_be_visible()
