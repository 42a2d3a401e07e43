"""The dashboards' funnel counts items migrating and migrated by their latest request."""

import pytest

from coe_portal.dashboards.metrics import METRICS
from inventory.models import Environment, Maker
from migrations_app.models import MigrationRequest, RequestItem
from tests.inventory.factories import make_app, make_environment, make_flow

pytestmark = pytest.mark.django_db


def test_items_count_as_migrating_or_migrated_by_department(maker):
    default = make_environment(default=True)
    target = Environment.objects.create(env_id="env-fin", display_name="Finance")
    finance = Maker.objects.create(email=maker.email, display_name="Bob", department="Finance")
    sales = Maker.objects.create(email="eve@contoso.example", display_name="Eve", department="Sales")

    def request(state, **item):
        migration = MigrationRequest.objects.create(requested_by=maker, target=target, reason="r", state=state)
        RequestItem.objects.create(request=migration, **item)

    request("running", app=make_app("A", default, owner=finance))
    request("needs_input", flow=make_flow("F", default, creator=sales))
    request("done", app=make_app("B", default, owner=finance))
    request("requested", app=make_app("C", default, owner=finance))  # not approved yet: not migrating
    request("rejected", app=make_app("D", default, owner=sales))

    assert METRICS["migrating"].count() == {"Finance": 1, "Sales": 1}
    assert METRICS["migrated"].count() == {"Finance": 1}
    assert METRICS["inventoried"].order < METRICS["migrating"].order < METRICS["migrated"].order \
        < METRICS["quarantined"].order
