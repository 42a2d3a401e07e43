"""Listing pages are taken before flow-detail batches, whatever order they were queued in."""

import base64
import json

import redis
from django.conf import settings

from coe_portal.celery import app as celery_app
from inventory.models import SyncRun, SyncTask
from inventory.services import sync

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
