"""The admin queue, My items and a request's page run as many queries for 50 requests (or items) as for 5."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import Environment, Maker
from migrations_app.models import MigrationJob, MigrationRequest, RequestItem
from migrations_app.services.requests import conflicts
from tests.inventory.factories import make_app, make_environment, make_flow, use_connector

pytestmark = pytest.mark.django_db

REFS = [{"logical_name": "cr_sql", "connector_id": "shared_sql", "display_name": "SQL Server", "choices": []},
        {"logical_name": "cr_sp", "connector_id": "shared_sharepointonline", "display_name": "SharePoint",
         "choices": []}]


@pytest.fixture
def world(maker):
    default = make_environment(default=True)
    target = Environment.objects.create(env_id="env-fin", display_name="Finance", capacity_limit_mb=2000,
                                        capacity_database_mb=1500, dataverse_url="https://fin.crm4.dynamics.com")
    owner = Maker.objects.create(email=maker.email, display_name="Bob")
    return {"default": default, "target": target, "owner": owner}


def add_requests(world, maker, count):
    """`count` requests of an app (with a custom connector) and a flow, every other one with a job waiting."""
    made = []
    for number in range(count):
        app = make_app(f"App {number}", world["default"], owner=world["owner"])
        use_connector(app, f"custom_{number % 3}", is_custom=True)
        use_connector(app, "shared_sql")
        flow = make_flow(f"Flow {number}", world["default"], creator=world["owner"])
        request = MigrationRequest.objects.create(requested_by=maker, target=world["target"], reason="r")
        RequestItem.objects.bulk_create([RequestItem(request=request, app=app),
                                         RequestItem(request=request, flow=flow)])
        if number % 2:
            MigrationJob.objects.create(request=request, state="needs_input", connection_refs=REFS,
                                        bindings={"cr_sql": "conn-1"},
                                        precheck={"missing_dependencies": ["Table cr_expense (missing in target)"]})
        made.append(request)
    return made


def queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured), response


def test_conflicts_names_capacity_custom_connectors_dependencies_and_unmapped_connections(world, maker):
    plain, waiting = add_requests(world, maker, 2)
    assert conflicts(plain) == ["Target capacity: 500 MB free of 2000 MB",
                                "Custom connector custom_0: recreate it in the target"]
    assert conflicts(waiting) == ["Target capacity: 500 MB free of 2000 MB",
                                  "Custom connector custom_1: recreate it in the target",
                                  "Table cr_expense (missing in target)", "Missing connection: SharePoint"]


def test_the_admin_queue_does_not_query_per_request(client, coe_admin, maker, world, django_assert_max_num_queries):
    client.force_login(coe_admin)
    url = reverse("migrations_app:request-queue")
    add_requests(world, maker, 5)
    few, _ = queries(client, url)
    add_requests(world, maker, 45)
    with django_assert_max_num_queries(few):
        response = client.get(url, {"per_page": 50})
    page = response.content.decode()
    assert len(response.context["table"].page.object_list) == 50
    assert page.count("Missing connection: SharePoint") == 24
    assert page.count("Custom connector custom_2: recreate it in the target") == 16


def test_the_queue_csv_carries_the_conflicts(client, coe_admin, maker, world):
    add_requests(world, maker, 3)
    client.force_login(coe_admin)
    response = client.get(reverse("migrations_app:request-queue"), {"export": "csv"})
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert body.count("Missing connection: SharePoint") == 1
    assert body.count("Target capacity: 500 MB free of 2000 MB") == 3


def test_my_items_does_not_query_per_item_or_request(client, maker, world, django_assert_max_num_queries):
    client.force_login(maker)
    url = reverse("migrations_app:my-items")
    add_requests(world, maker, 5)
    few, _ = queries(client, url)
    add_requests(world, maker, 45)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["rows"]) == 100 and len(response.context["requests"]) == 50


def test_a_request_page_does_not_query_per_item(client, coe_admin, maker, world, django_assert_max_num_queries):
    client.force_login(coe_admin)
    small = add_requests(world, maker, 2)[1]
    few, _ = queries(client, small.get_absolute_url())
    big = add_requests(world, maker, 2)[1]
    extra = [make_app(f"Extra {n}", world["default"], owner=world["owner"]) for n in range(20)]
    for app in extra:
        use_connector(app, f"custom_x{app.pk}", is_custom=True)
    RequestItem.objects.bulk_create(RequestItem(request=big, app=app) for app in extra)
    with django_assert_max_num_queries(few):
        response = client.get(big.get_absolute_url())
    assert response.content.decode().count("Custom connector custom_x") == 20
