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


def test_the_dashboard_shows_each_waves_items_by_stage_for_the_managers_departments(client, maker, manager,
                                                                                    coe_admin):
    import csv
    import io

    from coe_portal.core.models import UserProfile
    from coe_portal.dashboards.snapshots import take_snapshot
    from migrations_app.models import Wave

    default = make_environment(default=True)
    target = Environment.objects.create(env_id="env-fin", display_name="Finance")
    finance = Maker.objects.create(email=maker.email, display_name="Bob", department="Finance")
    sales = Maker.objects.create(email="eve@contoso.example", display_name="Eve", department="Sales")
    june, july = Wave.objects.create(name="June wave"), Wave.objects.create(name="July wave")
    for n, (wave, state, owner) in enumerate([(june, "done", finance), (june, "done", sales), (june, "failed", finance),
                                              (july, "scheduled", finance), (july, "needs_input", sales),
                                              (None, "approved", finance)]):
        migration = MigrationRequest.objects.create(requested_by=maker, target=target, reason="r", state=state,
                                                    wave=wave)
        RequestItem.objects.create(request=migration, app=make_app(f"A{n}", default, owner=owner))
    take_snapshot()

    def waves_csv():
        response = client.get("/progress/", {"export": "waves"})
        return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    client.force_login(coe_admin)
    page = client.get("/progress/").text
    assert "Progress by wave" in page and "June wave" in page
    assert waves_csv() == [["Wave", "Waiting", "Migrating", "Failed", "Migrated", "Items", "Migrated %"],
                           ["July wave", "1", "1", "0", "0", "2", "0"], ["June wave", "0", "0", "1", "2", "3", "67"]]
    UserProfile.objects.create(user=manager, managed_departments=["Finance"])
    client.force_login(manager)
    assert waves_csv()[1:] == [["July wave", "1", "0", "0", "0", "1", "0"],
                               ["June wave", "0", "0", "1", "1", "2", "50"]]
