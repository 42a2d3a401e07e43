"""The DLP impact drill-down: every row's selection box is named "Select <item>", as on the inventory lists."""

import pytest
from django.urls import reverse

from dlp.models import ImpactRun
from dlp.services import impact
from dlp.services.policies import copy_to_draft
from tests.inventory.test_list_accessibility import parse

from .world import add_item, add_policy, build_inventory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    """A draft under which an app and a flow (names with markup characters) are broken by a blocked connector."""
    envs, c = build_inventory()
    add_item("Expenses <beta>", envs["dev"], [c["twitter"]])
    add_item("Leave & travel", envs["dev"], [c["twitter"]], kind="flow")
    add_item("Plain", envs["dev"], [c["sql"]])
    live = add_policy("Baseline", envs, c, groups={"twitter": "blocked"})
    draft = copy_to_draft(live)
    impact.compute(ImpactRun.objects.create(draft=draft))
    return draft


@pytest.mark.parametrize("htmx", [False, True])
def test_every_impacted_row_box_is_named_after_its_item(client, coe_admin, draft, htmx):
    client.force_login(coe_admin)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.get(reverse("dlp:impact-items", args=[draft.pk]), **headers)
    shown = {str(row.record.item) for row in response.context["table"].paginated_rows}
    assert {"Expenses <beta>", "Leave & travel"} <= shown
    inputs = parse(response)
    rows = [attrs for attrs in inputs if attrs.get("name") == "pk" and attrs["tag"] == "input"]
    assert sorted(attrs["aria-label"] for attrs in rows) == sorted(f"Select {name}" for name in shown)
    assert all(attrs["form"] == "bulk" for attrs in rows)  # still sent with the bulk actions' form
    [select_all] = [attrs for attrs in inputs if attrs.get("type") == "checkbox" and attrs.get("name") != "pk"]
    assert select_all["aria-label"] == "Select every row on this page"
