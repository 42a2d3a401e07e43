"""How sync tasks travel: listing pages as messages, detail batches through a pump, a deadlock sent again."""

import base64
import json
import time

import pytest
import redis
from django.db import OperationalError

from coe_portal.celery import app as celery_app
from inventory.choices import SyncStatus
from inventory.models import App, Flow, SyncRun, SyncTask
from inventory.services import sync, sync_kinds, sync_pump


def test_detail_batches_go_to_one_pump_and_listing_pages_to_the_queue(db, settings):
    settings.SYNC_DETAIL_PUMPS = 1
    celery_app.control.purge()
    run = SyncRun.objects.create(kind="full")
    for n in range(3):
        SyncTask.objects.create(run=run, key=f"flow_details:1:1:{n}", name="flow_details", args={"flows": []})
    page = SyncTask.objects.create(run=run, key="flows:1:2", name="flows", args={"env": 1, "page": 2})
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(f"coe:sync:{run.pk}:detail-pump:0")

    assert sync.resume(run) == 4
    assert sorted(_queued(broker)) == [("inventory.tasks.pump_sync_details", [run.pk, 0]),
                                       ("inventory.tasks.run_sync_task", [page.pk])]
    sync_pump.ensure(run.pk)  # more batches recorded: the pump's slot is held, no second pump
    assert [name for name, _ in _queued(broker)].count("inventory.tasks.pump_sync_details") == 1
    sync.resume(run)  # resuming a stalled run frees the slots its dead pumps held
    assert [name for name, _ in _queued(broker)].count("inventory.tasks.pump_sync_details") == 2
    celery_app.control.purge()
    broker.delete(f"coe:sync:{run.pk}:detail-pump:0")


def _queued(broker):
    """(task name, args) of each message in the default queue."""
    queued = []
    for message in broker.lrange("celery", 0, -1):
        envelope = json.loads(message)
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        queued.append((envelope["headers"]["task"], args))
    return queued


def test_a_pump_runs_every_pending_batch_and_frees_its_slot(db, make_tenant, settings):
    make_tenant(environments=1, apps=10, flows=260)  # 250 flows a page, 100 a batch: 3 + 1 batches
    run = sync.start_sync()
    sync.run_task(run.tasks.get(key="environments:1").pk)
    sync.run_task(run.tasks.get(name="flows").pk)
    batches = run.tasks.filter(name="flow_details")
    assert batches.count() == 4 and not batches.filter(done=True).exists()

    sync_pump.pump(run.pk, 0)

    assert not batches.filter(done=False).exists()
    assert not redis.Redis.from_url(settings.REDIS_URL).exists(f"coe:sync:{run.pk}:detail-pump:0")
    assert Flow.objects.filter(details_modified_time__isnull=False).count() == 260


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_transaction_deadlocks_is_sent_again(make_tenant, celery_worker, monkeypatch):
    tenant, _ = make_tenant(environments=2, apps=20, flows=10)
    original, failures = sync_kinds.STEPS["apps"], []

    def deadlock_once(task, client):
        if not failures:
            failures.append(task.key)
            raise OperationalError("deadlock detected")
        return original(task, client)

    monkeypatch.setitem(sync_kinds.STEPS, "apps", deadlock_once)
    run = sync.start_sync()
    deadline = time.monotonic() + 60
    while not run.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()

    assert failures, "the step never ran"
    assert run.status == SyncStatus.COMPLETED, run.errors
    assert App.objects.filter(deleted_at__isnull=True).count() == len(tenant.apps)


@pytest.mark.django_db(transaction=True)
def test_a_listing_keeps_its_next_pages_out_of_the_queue_until_one_fails(make_tenant, settings, monkeypatch):
    make_tenant(environments=1, apps=700, flows=20)  # 250 apps a page: three pages
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    run = sync.start_sync()
    sync.run_task(run.tasks.get(key="environments:1").pk)
    celery_app.control.purge()
    original = sync_kinds.STEPS["apps"]

    def deadlock_on_third(task, client):
        if task.args["page"] == 3:
            raise OperationalError("deadlock detected")
        return original(task, client)

    monkeypatch.setitem(sync_kinds.STEPS, "apps", deadlock_on_third)
    with pytest.raises(OperationalError):
        sync.run_task(run.tasks.get(name="apps", args__page=1).pk)

    second, third = (run.tasks.get(name="apps", args__page=page) for page in (2, 3))
    assert second.done and not third.done
    # The second page ran in this worker without a copy in the queue; the failed third went to the queue.
    assert _queued(broker) == [("inventory.tasks.run_sync_task", [third.pk])]
    celery_app.control.purge()


def test_a_worker_runs_a_listing_to_its_last_page_and_times_each_page(db, make_tenant):
    tenant, _ = make_tenant(environments=1, apps=700, flows=20)  # 250 apps a page: three pages
    run = sync.start_sync()
    sync.run_task(run.tasks.get(key="environments:1").pk)
    first = run.tasks.get(name="apps")

    sync.run_task(first.pk)

    pages = list(run.tasks.filter(name="apps").order_by("created"))
    assert [task.args["page"] for task in pages] == [1, 2, 3] and all(task.done for task in pages)
    assert all(task.created <= task.started <= task.finished for task in pages)
    assert pages[0].finished <= pages[1].started  # one after the other, in this worker
    assert not run.tasks.filter(name="flows", done=True).exists()  # other listings are not its to run
    assert App.objects.count() == len(tenant.apps)
