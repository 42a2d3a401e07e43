"""Clean-up of many items as one job: delete-only CSV batches and bulk quarantine, against the fake tenant."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coe_portal.core.models import AuditEntry, JobRun
from inventory.models import App, CleanupCase, Flow
from inventory.services import cleanup, cleanup_jobs
from tests.inventory.test_cleanup import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
GOOD_ID = "3f1c6a2e-1111-4222-8333-444455556666"


@pytest.fixture
def world(make_synced_tenant):
    return make_synced_tenant(environments=2, apps=6, flows=6)


@pytest.fixture
def tenant(world):
    return world[0]


def upload(admin_client, text, reason="Leaver's test items"):
    csv_file = SimpleUploadedFile("ids.csv", text.encode() if isinstance(text, str) else text, "text/csv")
    return admin_client.post(reverse("inventory:delete-batch"), {"file": csv_file, "reason": reason})


def live(model):
    return model.objects.filter(deleted_at__isnull=True).select_related("environment").order_by("pk")


@pytest.mark.parametrize("text, where", [
    (f"id,kind\n{GOOD_ID},app\nnot-a-guid,app\n", "line 3, column 1 (id)"),
    (f"id,kind\n{GOOD_ID},app\n{GOOD_ID},site\n", "line 3, column 2 (kind)"),
    (f"id,environment id\n{GOOD_ID},x\n", "line 2, column 2 (environment id)"),
    (f"id,kind\n{GOOD_ID}\n", "line 2, column 2"),
    ("name,kind\nx,app\n", "line 1, column 1"),
    ("id\n", "line 2"),
    ("", "empty"),
    (b"id\n\xff\xfe\n", "not UTF-8"),
])
def test_a_malformed_file_names_line_and_column_and_records_nothing(admin_client, text, where):
    response = upload(admin_client, text)
    assert response.status_code == 200
    assert where in response.content.decode()
    assert not JobRun.objects.exists() and not CleanupCase.objects.exists()


def test_batch_preview_lists_what_is_deleted_and_unknown_then_needs_the_typed_count(tenant, admin_client,
                                                                                   celery_worker):
    app, other_app = live(App)[:2]
    flow, gone = live(Flow)[:2]
    Flow.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    other_env = "Default-00000000-0000-4000-8000-000000000000"
    text = "\n".join(["App ID,Environment ID,Kind", f"{app.app_id},{app.environment.env_id},app",
                      f"{other_app.app_id},{other_env},app",  # known id, other environment: unknown
                      f"{flow.flow_id.upper()},,", f"{gone.flow_id},,flow", f"{GOOD_ID},,", ""])
    response = upload(admin_client, text)
    job = JobRun.objects.get(kind="cleanup.delete_batch")
    assert response["Location"] == reverse("inventory:cleanup-job", args=[job.pk])
    page = admin_client.get(response["Location"]).content.decode()
    assert "<strong>2</strong> items will be deleted" in page and "2 unknown ids" in page
    assert "1 already deleted" in page and app.display_name in page and flow.display_name in page
    assert GOOD_ID in page and "Type <code>DELETE 2</code>" in page
    confirm = reverse("inventory:delete-batch-confirm", args=[job.pk])
    admin_client.post(confirm, {"typed": "DELETE 3"})
    assert not CleanupCase.objects.exists()  # the wrong count starts nothing
    admin_client.post(confirm, {"typed": "DELETE 2"})
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == "completed", timeout=60)
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.result["deleted"], job.result["failed"]) == (2, 2, 2, 0)
    assert tenant.app(app.environment.env_id, app.app_id) is None
    assert tenant.flow(flow.environment.env_id, flow.flow_id) is None
    assert tenant.app(other_app.environment.env_id, other_app.app_id) is not None
    assert AuditEntry.objects.filter(action="cleanup.deleted").count() == 2  # one per item
    assert AuditEntry.objects.filter(action="cleanup.delete_batch.confirm").count() == 1
    admin_client.post(confirm, {"typed": "DELETE 2"})  # a second confirmation does nothing more
    assert CleanupCase.objects.count() == 2


def test_failed_deletions_are_reported_and_retried(world, admin_client, celery_worker):
    tenant, servers = world
    apps = list(live(App)[:3])
    broken = apps[0]
    # The tenant refuses the delete (403) while it still has the app (a missing app would count as deleted).
    servers.faults.fail_next(rf"/apps/{broken.app_id}$", status=403)
    upload(admin_client, "id\n" + "\n".join(app.app_id for app in apps))
    job = JobRun.objects.get(kind="cleanup.delete_batch")
    admin_client.post(reverse("inventory:delete-batch-confirm", args=[job.pk]), {"typed": "DELETE 3"})
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == "completed", timeout=60)
    job.refresh_from_db()
    assert job.result["failed"] == 1 and job.result["deleted"] == 2
    page = admin_client.get(reverse("inventory:cleanup-job", args=[job.pk])).content.decode()
    assert "Retry the 1 failed" in page
    admin_client.post(reverse("inventory:cleanup-job-retry", args=[job.pk]))
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == "completed"
             and CleanupCase.objects.get(app=broken).stage == "deleted", timeout=60)
    assert JobRun.objects.get(pk=job.pk).result["deleted"] == 3


def test_bulk_quarantine_of_every_filtered_app_is_one_job(tenant, admin_client, celery_worker):
    environment = live(App).first().environment
    chosen = list(live(App).filter(environment=environment))
    response = admin_client.post(reverse("inventory:bulk-cleanup", args=["app"]),
                                 {"scope": "all", "query": f"environment={environment.pk}"})
    job = JobRun.objects.get(kind="cleanup.bulk")
    assert response["Location"] == reverse("inventory:cleanup-job", args=[job.pk])
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == "completed", timeout=60)
    cases = CleanupCase.objects.filter(job=job)
    assert sorted(case.app_id for case in cases) == sorted(app.pk for app in chosen)
    assert {case.stage for case in cases} == {"waiting"} and all(case.grace_until for case in cases)
    assert all(tenant.app(environment.env_id, app.app_id).quarantined for app in chosen)
    assert AuditEntry.objects.filter(action="cleanup.start").count() == len(chosen)
    assert AuditEntry.objects.filter(action="cleanup.quarantined").count() == len(chosen)
    assert JobRun.objects.get(pk=job.pk).progress_done == len(chosen)


def test_bulk_stop_of_checked_flows_skips_items_already_in_clean_up(tenant, admin_client, celery_worker):
    first, second, third = live(Flow)[:3]
    CleanupCase.objects.create(flow=second, stage="waiting")
    admin_client.post(reverse("inventory:bulk-cleanup", args=["flow"]),
                      {"scope": "selected", "pk": [first.pk, second.pk]})
    job = JobRun.objects.get(kind="cleanup.bulk")
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == "completed", timeout=60)
    assert [case.flow_id for case in CleanupCase.objects.filter(job=job)] == [first.pk]
    assert tenant.flow(first.environment.env_id, first.flow_id).state == "Stopped"
    assert tenant.flow(third.environment.env_id, third.flow_id).state != "Stopped"


def test_ended_grace_periods_run_as_one_finish_job(tenant, coe_admin, celery_worker):
    flows = list(live(Flow)[:2])
    cases = [CleanupCase.objects.create(flow=flow, stage="waiting", created_by=coe_admin,
                                        grace_until=timezone.now() - timedelta(minutes=1)) for flow in flows]
    assert cleanup.advance_due() == 2
    job = JobRun.objects.get(kind="cleanup.finish")
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == "completed", timeout=90)
    assert {CleanupCase.objects.get(pk=case.pk).stage for case in cases} == {"deleted"}
    assert JobRun.objects.get(pk=job.pk).result["deleted"] == 2


@pytest.mark.django_db  # inside a transaction, so the on-commit enqueues are captured, not sent
def test_cases_are_queued_in_chunks_of_a_hundred(coe_admin, django_capture_on_commit_callbacks):
    job = JobRun.objects.create(kind="cleanup.bulk")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cleanup_jobs.enqueue_cases(job, list(range(1, 251)))
    assert len(callbacks) == 3  # 100 + 100 + 50 cases, one Celery task each


def test_bulk_clean_up_refuses_a_filter_it_cannot_apply(tenant, admin_client):
    # An invalid filter is ignored by a filterset: acting on "every match" would then take every app.
    response = admin_client.post(reverse("inventory:bulk-cleanup", args=["app"]),
                                 {"scope": "all", "query": "environment=999999"})
    assert response.status_code == 400 and "(environment)" in response.content.decode()
    assert not JobRun.objects.exists()
    job = cleanup_jobs.create_job("cleanup.bulk", None, "quarantine", query=("app", "kind=nonsense"))
    cleanup_jobs.open_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "not valid" in job.error and not CleanupCase.objects.exists()
