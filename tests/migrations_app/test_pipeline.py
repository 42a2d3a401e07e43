"""The migration pipeline against the fake tenant: the whole run, waiting for connections, failures, retries."""

import hashlib

import pytest
from django.core.files.storage import default_storage

from comms.models import Delivery
from inventory.models import CleanupCase
from inventory.services import cleanup
from migrations_app.models import MigrationJob, MigrationRequest
from migrations_app.services.pipeline import runner
from tests.migrations_app import world as world_module
from tests.migrations_app.world import settle

migration_world = world_module.migration_world
pytestmark = pytest.mark.django_db(transaction=True)


def run_to_needs_input(world, admin):
    job = world.request(admin)
    assert settle(job.pk) == runner.WAITING
    job.refresh_from_db()
    return job


def run_to_picked(world, admin):
    """A job that waited for connections, was checked again once they existed, and has the maker's picks."""
    job = run_to_needs_input(world, admin)
    made = world.connect_target()
    job.check_again()
    settle(job.pk)
    job.refresh_from_db()
    world.pick(job, made)
    return job, made


def test_a_job_waits_for_connections_then_moves_the_app(migration_world, coe_admin):
    world = migration_world
    job = run_to_needs_input(world, coe_admin)
    assert job.state == "needs_input" and job.request.state == "needs_input"
    assert [job.steps[s]["state"] for s in ("precheck", "package", "export")] == ["done"] * 3
    assert {ref["connector_id"] for ref in job.connection_refs} == {c.name for c in world.fake_app.connectors}
    with default_storage.open(job.backup.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == job.backup_sha256
    made = world.connect_target()
    assert settle(job.pk) is None  # waiting for a person: nothing to run
    job.check_again()
    assert settle(job.pk) == runner.WAITING  # still nothing picked: the choices are refreshed
    job.refresh_from_db()
    assert all(ref["choices"] for ref in job.connection_refs)
    bindings = {ref["logical_name"]: made[ref["connector_id"]] for ref in job.connection_refs}
    job.provide_bindings(bindings, "bob")
    assert settle(job.pk) == runner.DONE
    job.refresh_from_db()
    assert job.state == "done" and job.request.state == "done" and job.steps_done == 8
    item = job.request.items.get()
    copy = world.tenant.app(world.fake_target, item.new_id)
    assert copy is not None and copy.display_name == world.app.display_name and item.new_url
    case = CleanupCase.objects.get(app=world.app, stage="pending")  # its task quarantines it, then the grace period
    cleanup.start_case(case.pk)
    assert world.tenant.app(world.fake_app.env, world.fake_app.name).quarantined  # quarantined, not deleted
    delivery = Delivery.objects.get(pk=job.delivery_id)
    assert item.new_url in delivery.body_text and delivery.to == world.user.email


def test_a_failed_import_leaves_the_source_untouched_and_is_retried_alone(migration_world, coe_admin):
    world = migration_world
    job, made = run_to_picked(world, coe_admin)
    world.store.fail_next("import", "Solution import failed: a component is missing")
    assert settle(job.pk) == runner.FAILED
    job.refresh_from_db()
    assert job.state == "failed" and job.step == "import" and "component is missing" in job.error
    assert job.request.state == "failed"
    source = world.tenant.app(world.fake_app.env, world.fake_app.name)
    assert source is not None and not source.quarantined
    assert not CleanupCase.objects.filter(app=world.app).exists()
    before = {step: record for step, record in job.steps.items() if step != "import"}
    job.retry()
    assert settle(job.pk) == runner.DONE
    job.refresh_from_db()
    assert job.state == "done" and job.steps["import"]["state"] == "done"
    assert {step: job.steps[step] for step in before} == before  # the steps before it were not run again


def test_a_maker_cannot_cancel_once_the_job_started(migration_world, coe_admin):
    from migrations_app.models import StateError

    job = run_to_needs_input(migration_world, coe_admin)
    with pytest.raises(StateError):
        job.request.cancel()
    assert MigrationRequest.objects.get(pk=job.request_id).state == "needs_input"
    assert MigrationJob.objects.get(pk=job.pk).state == "needs_input"


def test_a_flow_moves_and_is_turned_on_in_the_target(migration_world, coe_admin):
    from inventory.models import Flow
    from migrations_app.models import Wave
    from migrations_app.services import requests
    from tests.conftest import make_user

    world = migration_world
    fake = next(f for f in world.tenant.default_environment.flows if f.live and not f.workflow_id
                and not any(c.is_custom for c in f.connectors) and f.creator is not None and f.creator.mail)
    flow = Flow.objects.get(flow_id=fake.name)
    user = make_user("flow-maker", ["maker"], email=flow.creator.email)
    request = requests.do_submit_request(user, [flow], world.target, "Runs the team's approvals")
    wave = Wave.objects.create(name="Flows")
    request.approve(coe_admin, "", wave)
    [job] = requests.do_start_wave(wave)
    made = {c.name: world.tenant.add_connection(world.fake_target, c.name, fake.creator).name for c in fake.connectors}
    if settle(job.pk) == runner.WAITING:
        job.refresh_from_db()
        world.pick(job, made, "t")
        assert settle(job.pk) == runner.DONE
    job.refresh_from_db()
    assert job.state == "done", job.error
    copy = world.tenant.flow(world.fake_target, job.request.items.get().new_id)
    assert copy is not None and copy.display_name == flow.display_name and copy.state == "Started"
    assert Wave.objects.get(pk=wave.pk).state == "done"


def test_connections_picked_by_a_person_are_not_listed_again(migration_world, coe_admin, monkeypatch):
    """provide_bindings checked each pick against the listed choices: the step completes without the tenant."""
    from coe_portal.powerplatform.client import PowerPlatformClient

    world = migration_world
    job, made = run_to_picked(world, coe_admin)
    listed = []
    original = PowerPlatformClient.connections

    def connections(self, *args, **kwargs):
        listed.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PowerPlatformClient, "connections", connections)
    assert settle(job.pk) == runner.DONE
    job.refresh_from_db()
    assert listed == []
    assert job.bindings == {ref["logical_name"]: made[ref["connector_id"]] for ref in job.connection_refs}
    assert "mapped by bob" in job.steps["connections"]["log"][-1]["message"]


def test_a_long_export_frees_the_worker_while_the_tenant_runs_it(migration_world, coe_admin, settings):
    settings.MIGRATION_EXPORT_INLINE_SECONDS = 0  # longer than the worker polls it itself
    job = migration_world.request(coe_admin)
    for _ in range(3):  # pre-check and package, then the export is started
        outcome = runner.run(job.pk)
        if outcome == runner.POLL:
            break
    assert outcome == runner.POLL
    job.refresh_from_db()
    assert (job.state, job.step) == ("queued", "export")
    assert job.steps["export"]["operation"] and not job.backup
    assert settle(job.pk) == runner.WAITING  # downloaded, stored, verified; then the connections
    job.refresh_from_db()
    with default_storage.open(job.backup.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == job.backup_sha256


def test_a_short_export_is_waited_for_in_the_worker(migration_world, coe_admin):
    job = migration_world.request(coe_admin)
    assert runner.run(job.pk) == runner.WAITING  # pre-check to connections in one run: no poll in the queue
    job.refresh_from_db()
    assert job.steps["export"]["state"] == "done" and job.backup_verified_at


def test_a_failed_import_operation_gives_back_the_targets_lock(migration_world, coe_admin):
    from migrations_app.services.pipeline.steps_target import import_lock

    world = migration_world
    made = world.connect_target()
    job = world.request(coe_admin)
    settle(job.pk)
    job.refresh_from_db()
    world.pick(job, made, "bob")
    world.store.fail_next("import", "Solution import failed: a table is missing")
    assert settle(job.pk) == runner.FAILED
    job.refresh_from_db()
    assert "a table is missing" in job.error
    assert not import_lock(world.target.env_id).locked()
    job.retry()
    assert settle(job.pk) == runner.DONE


def test_a_task_whose_request_was_deleted_meanwhile_does_nothing(migration_world, coe_admin):
    job = migration_world.request(coe_admin)
    job.request.delete()
    assert runner.run(job.pk) is None
