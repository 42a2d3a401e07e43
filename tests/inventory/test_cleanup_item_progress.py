"""Quarantine, stop or delete from an item's page runs as a job whose progress the page polls."""

import re

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry, JobRun
from inventory.models import App, CleanupCase, Flow
from tests.inventory.test_cleanup import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(make_synced_tenant):
    return make_synced_tenant(environments=1, apps=3, flows=3)


def step(admin_client, job):
    """The progress card as the page's HTMX poll gets it: (step text, still polling)."""
    html = admin_client.get(reverse("inventory:cleanup-job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    found = re.search(r"<p data-step[^>]*>([^<]*)</p>", html)
    return found.group(1) if found else None, "hx-trigger=\"every 1s\"" in html


def poll_until_done(admin_client, job):
    seen = []
    wait_for(lambda: seen.append(step(admin_client, job)) or not seen[-1][1], timeout=60)
    return seen


def start(admin_client, item, **data):
    kind = item._meta.model_name
    response = admin_client.post(reverse("inventory:cleanup-start", args=[kind, item.pk]), data)
    assert response["Location"] == item.get_absolute_url()
    return JobRun.objects.get(kind="cleanup.item")


@pytest.mark.parametrize("model, doing, done", [(App, "Quarantining…", "Done: quarantined"),
                                                 (Flow, "Stopping…", "Done: stopped")])
def test_quarantine_or_stop_shows_its_step_then_done_without_a_reload(world, admin_client, celery_worker,
                                                                       model, doing, done):
    item = model.objects.filter(deleted_at__isnull=True).first()
    job = start(admin_client, item, mode="quarantine")
    page = admin_client.get(item.get_absolute_url()).content.decode()
    assert f'hx-get="{item.get_absolute_url()}?part=cases"' in page or done in page  # the page follows the step
    seen = poll_until_done(admin_client, job)
    assert all(text == doing or text.startswith(done) for text, _ in seen), seen
    assert seen[-1][0].startswith(done) and "to answer" in seen[-1][0]
    assert CleanupCase.objects.get(job=job).stage == "waiting"
    assert JobRun.objects.get(pk=job.pk).progress_done == 1
    assert done in admin_client.get(item.get_absolute_url()).content.decode()  # the item page keeps the outcome
    assert AuditEntry.objects.filter(action="cleanup.request", details__job=str(job.code)).count() == 1


def test_delete_only_shows_done_deleted(world, admin_client, celery_worker):
    app = App.objects.filter(deleted_at__isnull=True).first()
    job = start(admin_client, app, mode="delete_only", reason="Test app of a leaver")
    seen = poll_until_done(admin_client, job)
    assert seen[-1][0] == "Done: deleted."
    assert world[0].app(app.environment.env_id, app.app_id) is None


def test_a_failed_step_shows_why_and_can_be_retried(world, admin_client, celery_worker):
    tenant, servers = world
    app = App.objects.filter(deleted_at__isnull=True).first()
    servers.faults.fail_next(r"/setAppQuarantineState$", status=400)  # the tenant refuses
    job = start(admin_client, app, mode="quarantine")
    seen = poll_until_done(admin_client, job)
    assert seen[-1][0].startswith("Failed: HTTP 400")
    card = admin_client.get(reverse("inventory:cleanup-job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'role="alert"' in card and "Retry the 1 failed" in card
    admin_client.post(reverse("inventory:cleanup-job-retry", args=[job.pk]))
    wait_for(lambda: step(admin_client, job)[0].startswith("Done: quarantined"), timeout=60)
    assert tenant.app(app.environment.env_id, app.app_id).quarantined


def test_an_item_with_an_open_case_starts_no_second_job(world, admin_client, coe_admin):
    app = App.objects.filter(deleted_at__isnull=True).first()
    CleanupCase.objects.create(app=app, stage="waiting", created_by=coe_admin)
    response = admin_client.post(reverse("inventory:cleanup-start", args=["app", app.pk]), {"mode": "quarantine"},
                                 follow=True)
    assert "already has an open case" in response.content.decode()
    assert not JobRun.objects.exists()
