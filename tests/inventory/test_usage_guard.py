"""Clean-up of items in use: bulk quarantine/stop and delete batches name them and need an override with a reason."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coe_portal.core.models import AuditEntry, JobRun
from inventory.models import CleanupCase
from inventory.services import cleanup_jobs
from tests.inventory.factories import ago, known_usage, make_app, make_flow

pytestmark = pytest.mark.django_db


@pytest.fixture
def flows():
    """A flow idle for a year and one that ran yesterday."""
    idle = known_usage(make_flow("Idle report", created_time=ago(900)), last_run_time=ago(365))
    busy = known_usage(make_flow("Hourly sync", created_time=ago(900)), last_run_time=ago(1))
    return idle, busy


def stop(client, pks=(), **data):
    with_pks = {"scope": "selected", "query": "", "pk": [str(pk) for pk in pks], **data}
    return client.post(reverse("inventory:bulk-cleanup", args=["flow"]), with_pks)


class TestBulkCleanupGuard:
    def test_it_names_the_items_in_use_and_starts_nothing(self, admin_client, flows):
        idle, busy = flows
        response = stop(admin_client, [idle.pk, busy.pk])
        html = response.content.decode()
        assert response.status_code == 409
        assert "Nothing was done: 1 of the chosen items was used in the last 180 days" in html
        assert "Hourly sync" in html and "Idle report" not in html
        assert busy.last_run_time.strftime("%Y-%m-%d") in html
        assert f'name="pk" value="{idle.pk}"' in html and f'name="pk" value="{busy.pk}"' in html
        assert not JobRun.objects.exists()

    def test_it_needs_a_reason_with_the_override(self, admin_client, flows):
        response = stop(admin_client, [flow.pk for flow in flows], override="on", override_reason="  ")
        assert response.status_code == 409
        assert "Give the reason for cleaning up items in use" in response.content.decode()
        assert not JobRun.objects.exists()

    def test_it_starts_with_the_override_and_audits_the_reason(self, admin_client, flows,
                                                              django_capture_on_commit_callbacks):
        idle, busy = flows
        with django_capture_on_commit_callbacks(execute=False):
            response = stop(admin_client, [idle.pk, busy.pk], override="on", override_reason="Replaced by Logic Apps")
        job = JobRun.objects.get()
        assert response["Location"] == reverse("inventory:cleanup-job", args=[job.pk])
        assert job.result["override"] is True and job.result["reason"] == "Replaced by Logic Apps"
        details = AuditEntry.objects.get(action="cleanup.bulk").details
        assert details["override"] is True and details["override_reason"] == "Replaced by Logic Apps"
        assert details["in_use"] == 1 and details["in_use_items"] == [f"flow:{busy.pk}"]

    def test_it_starts_at_once_when_nothing_is_in_use(self, admin_client, flows, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False):
            response = stop(admin_client, [flows[0].pk])
        assert response.status_code == 302
        assert JobRun.objects.get().result["override"] is False
        assert "override" not in AuditEntry.objects.get(action="cleanup.bulk").details

    def test_it_checks_every_row_a_filter_matches(self, admin_client, flows):
        response = stop(admin_client, scope="all", query="q=o")
        assert response.status_code == 409 and "Hourly sync" in response.content.decode()
        assert 'name="query" value="q=o"' in response.content.decode()

    def test_a_job_without_the_override_leaves_out_items_used_since(self, coe_admin, flows,
                                                                     django_capture_on_commit_callbacks):
        idle, busy = flows
        job = cleanup_jobs.create_job("cleanup.bulk", coe_admin, "quarantine", items={"flow": [idle.pk, busy.pk]})
        with django_capture_on_commit_callbacks(execute=False):
            cleanup_jobs.open_job(job.pk)
        assert list(CleanupCase.objects.values_list("flow", flat=True)) == [idle.pk]
        job.refresh_from_db()
        assert "Left out 1 in use within the inactive period" in job.log[-1]["message"]


class TestDeleteBatchGuard:
    def upload(self, client, *items):
        text = "id,kind\n" + "".join(f"{item.app_id},app\n" for item in items)
        client.post(reverse("inventory:delete-batch"), {
            "file": SimpleUploadedFile("ids.csv", text.encode(), "text/csv"), "reason": "Leaver"})
        return JobRun.objects.get(kind="cleanup.delete_batch")

    def test_it_shows_the_items_in_use_and_refuses_without_the_override(self, admin_client):
        used = known_usage(make_app("Timesheets", created_time=ago(900)), source="audit feed",
                           last_launched_time=ago(2))
        idle = known_usage(make_app("Old survey", created_time=ago(900)), source="audit feed")
        job = self.upload(admin_client, used, idle)
        page = admin_client.get(reverse("inventory:cleanup-job", args=[job.pk])).content.decode()
        assert "1 of these items was used in the last 180 days" in page
        assert "<caption>Used in the last 180 days</caption>" in page and "Timesheets" in page
        response = admin_client.post(reverse("inventory:delete-batch-confirm", args=[job.pk]), {"typed": "DELETE 2"},
                                     follow=True)
        assert "Nothing was deleted: 1 of the chosen items was used in the last 180 days" in response.content.decode()
        job.refresh_from_db()
        assert job.result["confirmed"] is False and not AuditEntry.objects.filter(
            action="cleanup.delete_batch.confirm").exists()

    def test_it_deletes_with_the_override_and_audits_the_reason(self, admin_client,
                                                                django_capture_on_commit_callbacks):
        used = known_usage(make_app("Timesheets", created_time=ago(900)), source="audit feed",
                           last_launched_time=ago(2))
        job = self.upload(admin_client, used)
        with django_capture_on_commit_callbacks(execute=False):
            admin_client.post(reverse("inventory:delete-batch-confirm", args=[job.pk]),
                              {"typed": "DELETE 1", "override": "on", "override_reason": "Owner confirmed by phone"})
        job.refresh_from_db()
        assert job.result["confirmed"] is True and job.result["override"] is True
        details = AuditEntry.objects.get(action="cleanup.delete_batch.confirm").details
        assert details["override_reason"] == "Owner confirmed by phone"
        assert details["in_use_items"] == [f"app:{used.pk}"]
