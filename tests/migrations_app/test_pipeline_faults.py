"""A worker killed at each step, after the step's tenant call: the rerun ends like an unbroken run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comms.models import Delivery
from inventory.models import CleanupCase
from migrations_app.models import MigrationJob
from migrations_app.models.jobs import STEPS
from migrations_app.services.pipeline import runner
from tests.migrations_app import world as world_module
from tests.migrations_app.world import settle

migration_world = world_module.migration_world
pytestmark = pytest.mark.django_db(transaction=True)


class WorkerKilled(Exception):  # noqa: N818 - not a failure the pipeline expects: it stands for a dead worker
    """Not one of the pipeline's expected failures: the step stays claimed, as when a worker dies."""


def drive(job_id, made):
    """Run the job to its end, picking the world's connections when it asks."""
    for _ in range(5):
        outcome = settle(job_id)
        if outcome == runner.WAITING:
            job = MigrationJob.objects.get(pk=job_id)
            world_module.MigrationWorld.pick(job, made, "t")
        elif outcome == runner.DONE:
            return
    raise AssertionError(f"the job did not finish: {MigrationJob.objects.get(pk=job_id).state}")


def end_state(world, job):
    job.refresh_from_db()
    copies = [app for app in world.fake_target.apps if app.live and app.display_name == world.app.display_name]
    return {"state": job.state, "steps_done": job.steps_done, "copies": len(copies),
            "new_id": job.request.items.get().new_id == (copies[0].name if copies else None),
            "cases": CleanupCase.objects.filter(app=world.app).count(),
            "messages": Delivery.objects.filter(campaign__name=f"Migration #{job.request_id} completed").count(),
            "backup": bool(job.backup_verified_at and job.backup_sha256)}


UNBROKEN = {"state": "done", "steps_done": 8, "copies": 1, "new_id": True, "cases": 1, "messages": 1, "backup": True}


def test_an_unbroken_run_ends_in_the_reference_state(migration_world, coe_admin):
    made = migration_world.connect_target()
    job = migration_world.request(coe_admin)
    drive(job.pk, made)
    assert end_state(migration_world, job) == UNBROKEN


@pytest.mark.parametrize("step", STEPS)
def test_a_worker_killed_after_the_step_is_taken_over_and_ends_the_same(migration_world, coe_admin, monkeypatch,
                                                                        step):
    made = migration_world.connect_target()
    job = migration_world.request(coe_admin)
    original = runner.STEP_FUNCTIONS[step]

    def killed(job, client):
        original(job, client)
        raise WorkerKilled(step)

    monkeypatch.setitem(runner.STEP_FUNCTIONS, step, killed)
    with pytest.raises(WorkerKilled):
        drive(job.pk, made)
    monkeypatch.setitem(runner.STEP_FUNCTIONS, step, original)
    job.refresh_from_db()
    assert (job.state, job.step) == ("running", step)
    assert settle(job.pk) is None  # its lease still runs: no second worker takes the step
    MigrationJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert runner.recover_stalled() == [job.pk]
    drive(job.pk, made)
    assert end_state(migration_world, job) == UNBROKEN


def test_a_slow_worker_whose_step_was_taken_over_stops_and_the_new_owner_finishes(migration_world, coe_admin,
                                                                                   monkeypatch):
    """The slow worker's step outcome is refused (the job is no longer its own) and it runs nothing further."""
    made = migration_world.connect_target()
    job = migration_world.request(coe_admin)
    original = runner.STEP_FUNCTIONS["package"]
    taken_over = []

    def slow(job, client):
        outputs = original(job, client)
        # Meanwhile the lease ran out and another worker claimed the step and finished it.
        MigrationJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
        other = MigrationJob.objects.get(pk=job.pk)
        assert other.claim()
        assert other.complete_step("package", **outputs)
        taken_over.append(other.step)
        return outputs

    monkeypatch.setitem(runner.STEP_FUNCTIONS, "package", slow)
    assert settle(job.pk) is None
    job.refresh_from_db()
    assert taken_over == ["export"] and (job.state, job.step) == ("queued", "export")
    assert job.steps.get("export", {}).get("state") is None  # the slow worker did not start the next step
    monkeypatch.setitem(runner.STEP_FUNCTIONS, "package", original)
    drive(job.pk, made)
    assert end_state(migration_world, job) == UNBROKEN
