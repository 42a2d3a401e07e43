"""The inventory lists show and filter where each app and flow stands in its migration (denormalised status)."""

import csv
import io

import pytest
from django.urls import reverse

from inventory.models import App, Environment, Flow, Maker
from migrations_app.choices import Step
from migrations_app.models import MigrationJob, MigrationRequest, RequestItem, Wave
from migrations_app.services import requests
from tests.inventory.factories import make_app, make_environment, make_flow

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(maker):
    default = make_environment(default=True)
    finance = Environment.objects.create(env_id="env-fin", display_name="Finance",
                                         dataverse_url="https://fin.crm4.dynamics.com")
    bob = Maker.objects.create(email=maker.email, display_name="Bob")
    return {"default": default, "finance": finance, "app": make_app("Expenses", default, owner=bob),
            "flow": make_flow("Notify", default, creator=bob), "other": make_app("Untouched", default, owner=bob)}


def status(item):
    item.refresh_from_db()
    return item.migration_status, item.migration_target_id


def started_job(maker, coe_admin, setup, items):
    request = requests.do_submit_request(maker, items, setup["finance"], "Team app")
    wave = Wave.objects.create(name="W1")
    request.approve(coe_admin, "", wave)
    requests.do_start_wave(wave)
    return MigrationJob.objects.get(request=request)


def run_to_end(job):
    """Claim and complete every step (the runner's state changes, without the tenant calls)."""
    for step in Step.values:
        assert job.claim()
        assert job.complete_step(step)


def test_status_follows_the_request_and_its_job(setup, maker, coe_admin):
    app, flow, finance = setup["app"], setup["flow"], setup["finance"]
    request = requests.do_submit_request(maker, [app, flow], finance, "Team app")
    assert status(app) == status(flow) == ("requested", finance.pk)
    request.approve(coe_admin, "", Wave.objects.create(name="W1"))
    assert status(app) == ("scheduled", finance.pk)
    requests.do_start_wave(request.wave)
    assert status(flow) == ("running", finance.pk)
    job = MigrationJob.objects.get(request=request)
    for step in (Step.PRECHECK, Step.PACKAGE, Step.EXPORT):
        job.claim()
        job.complete_step(step)
    job.claim()
    job.wait_for_input(Step.CONNECTIONS)
    assert status(app) == status(flow) == ("needs_input", finance.pk)
    job.check_again()
    assert status(app) == ("running", finance.pk)
    job.claim()
    job.fail_step(Step.CONNECTIONS, "The target refused")
    assert status(flow) == ("failed", finance.pk)
    job.retry()
    job.claim()
    for step in Step.values[Step.values.index(Step.CONNECTIONS):]:
        job.complete_step(step)
        job.claim()
    assert MigrationRequest.objects.get(pk=request.pk).state == "done"
    assert status(app) == status(flow) == ("done", finance.pk)
    app.refresh_from_db()
    assert app.get_migration_display() == "Migrated to Finance"
    assert status(setup["other"]) == ("", None)


def test_rejected_and_cancelled_requests_clear_the_status(setup, maker, coe_admin):
    app = setup["app"]
    first = requests.do_submit_request(maker, [app], setup["finance"], "Team app")
    first.reject(coe_admin, "Not now")
    assert status(app) == ("", None)
    second = requests.do_submit_request(maker, [app], setup["finance"], "Team app, again")
    assert status(app) == ("requested", setup["finance"].pk)
    second.cancel()
    assert status(app) == ("", None)


def test_a_closed_request_does_not_hide_an_earlier_migration(setup, maker, coe_admin):
    app = setup["app"]
    run_to_end(started_job(maker, coe_admin, setup, [app]))
    again = requests.do_submit_request(maker, [app], setup["finance"], "Once more")
    assert status(app)[0] == "requested"
    again.cancel()
    assert status(app) == ("done", setup["finance"].pk)


def test_the_data_migration_fills_existing_rows(setup, maker):
    """Rows requested before the field existed: migration 0004_mig8's fill sets them from their requests."""
    import importlib

    from django.apps import apps as global_apps

    fill = importlib.import_module("migrations_app.migrations.0004_mig8").fill
    request = MigrationRequest.objects.create(requested_by=maker, target=setup["finance"], reason="r",
                                              state="needs_input")
    RequestItem.objects.create(request=request, flow=setup["flow"])
    assert status(setup["flow"]) == ("", None)
    fill(global_apps, None)
    assert status(setup["flow"]) == ("needs_input", setup["finance"].pk)
    assert status(setup["app"]) == ("", None)


def names(response):
    return sorted(row.record.display_name for row in response.context["table"].page.object_list)


def test_the_app_list_shows_and_filters_the_migration(setup, maker, coe_admin, admin_client):
    run_to_end(started_job(maker, coe_admin, setup, [setup["app"]]))
    waiting = make_app("Waiting", setup["default"], owner=setup["app"].owner)
    requests.do_submit_request(maker, [waiting], setup["finance"], "Soon")
    url = reverse("inventory:app-list")
    page = admin_client.get(url).content.decode()
    assert 'data-migration="done">Migrated to Finance</span>' in page
    assert 'data-migration="requested">Requested</span>' in page
    assert names(admin_client.get(url, {"migration": "migrated"})) == ["Expenses"]
    assert names(admin_client.get(url, {"migration": "requested"})) == ["Waiting"]
    assert names(admin_client.get(url, {"migration": "migrating"})) == []
    assert names(admin_client.get(url, {"migration": "none"})) == ["Untouched"]


def test_the_flow_list_filters_migrating_and_the_csv_carries_it(setup, maker, coe_admin, admin_client):
    job = started_job(maker, coe_admin, setup, [setup["flow"]])
    job.claim()
    url = reverse("inventory:flow-list")
    assert names(admin_client.get(url, {"migration": "migrating"})) == ["Notify"]
    assert names(admin_client.get(url, {"migration": "none"})) == []
    response = admin_client.get(url, {"export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()
                                           if response.streaming else response.content.decode())))
    assert [(row["Name"], row["Migration"]) for row in rows] == [("Notify", "Migrating")]


def test_list_query_count_does_not_grow_with_migrated_rows(setup, maker, coe_admin, admin_client,
                                                           django_assert_max_num_queries):
    owner = setup["app"].owner
    apps = [make_app(f"App {n:03}", setup["default"], owner=owner) for n in range(120)]
    run_to_end(started_job(maker, coe_admin, setup, apps[:60]))
    requests.do_submit_request(maker, apps[60:90], setup["finance"], "Later")
    assert App.objects.filter(migration_status="done").count() == 60
    for per_page in (25, 200):
        with django_assert_max_num_queries(12):
            response = admin_client.get(reverse("inventory:app-list"), {"per_page": per_page, "sort": "display_name"})
        assert response.content.decode().count("Migrated to Finance") == min(per_page, 60)
    assert Flow.objects.filter(migration_status="").count() == 1
