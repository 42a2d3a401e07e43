"""How sync tasks travel through the broker: listing pages first, a deadlocked task sent again."""

import base64
import json
import time

import pytest
import redis
from django.conf import settings
from django.db import OperationalError

from coe_portal.celery import app as celery_app
from inventory.choices import SyncStatus
from inventory.models import App, SyncRun, SyncTask
from inventory.services import sync, sync_steps

DETAIL_QUEUE = "celery\x06\x16" + str(sync.BACKGROUND_PRIORITY)


def test_pending_detail_batches_wait_in_the_background_queue(db):
    celery_app.control.purge()
    run = SyncRun.objects.create(kind="full")
    details = SyncTask.objects.create(run=run, key="flow_details:1:1:0", name="flow_details", args={"flows": []})
    page = SyncTask.objects.create(run=run, key="flows:1:2", name="flows", args={"env": 1, "page": 2})

    assert sync.resume(run) == 2

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    # A worker pops the plain queue first (kombu's BRPOP lists priority 0 before 6).
    assert _task_ids(broker.lrange("celery", 0, -1)) == [page.pk]
    assert _task_ids(broker.lrange(DETAIL_QUEUE, 0, -1)) == [details.pk]
    celery_app.control.purge()
    assert broker.llen(DETAIL_QUEUE) == 0


def _task_ids(messages):
    """The SyncTask id each queued run_sync_task message carries."""
    ids = []
    for message in messages:
        args, _kwargs, _embed = json.loads(base64.b64decode(json.loads(message)["body"]))
        ids.append(args[0])
    return ids


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_transaction_deadlocks_is_sent_again(make_tenant, celery_worker, monkeypatch):
    tenant, _ = make_tenant(environments=2, apps=20, flows=10)
    original, failures = sync_steps.STEPS["apps"], []

    def deadlock_once(task, client):
        if not failures:
            failures.append(task.key)
            raise OperationalError("deadlock detected")
        return original(task, client)

    monkeypatch.setitem(sync_steps.STEPS, "apps", deadlock_once)
    run = sync.start_sync()
    deadline = time.monotonic() + 60
    while not run.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()

    assert failures, "the step never ran"
    assert run.status == SyncStatus.COMPLETED, run.errors
    assert App.objects.filter(deleted_at__isnull=True).count() == len(tenant.apps)


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
