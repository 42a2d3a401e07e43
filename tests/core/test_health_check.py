"""The health-check job, run by a real Celery worker on the test Redis."""

import time

import pytest
from django.urls import reverse

from coe_portal.core.choices import JobStatus
from coe_portal.core.models import JobRun


def wait_for(job, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job still {job.status} after {timeout} s")


@pytest.mark.django_db(transaction=True)
class TestHealthCheck:
    def test_worker_runs_the_check_and_reports_progress(self, client, coe_admin, celery_worker):
        client.force_login(coe_admin)
        response = client.post(reverse("health-check"))
        job = JobRun.objects.get()
        assert response["Location"] == reverse("job", args=[job.code])
        wait_for(job)
        assert job.status == JobStatus.COMPLETED, job.error
        assert (job.progress_done, job.progress_total, job.percent) == (4, 4, 100)
        assert job.result["Database"]["detail"].startswith("PostgreSQL")
        assert job.result["Redis"]["detail"].startswith("Redis")
        page = client.get(reverse("job", args=[job.code]), HTTP_HX_REQUEST="true").content.decode()
        assert 'data-status="completed"' in page and "hx-trigger" not in page

    def test_a_failing_dependency_fails_the_job_and_names_it(self, client, coe_admin, celery_worker, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on the discard port
        client.force_login(coe_admin)
        client.post(reverse("health-check"))
        job = wait_for(JobRun.objects.get())
        assert job.status == JobStatus.FAILED
        assert job.error == "Some checks failed: Email"
        assert job.result["Database"]["ok"] and not job.result["Email"]["ok"]

    def test_a_job_is_claimed_once(self, coe_admin):
        job = JobRun.objects.create(kind="health_check")
        assert job.claim() is True
        assert JobRun.objects.get(pk=job.pk).claim() is False

    def test_unfinished_job_page_polls(self, client, coe_admin):
        job = JobRun.objects.create(kind="health_check", progress_total=4, progress_done=1)
        client.force_login(coe_admin)
        page = client.get(reverse("job", args=[job.code])).content.decode()
        assert 'hx-trigger="every 1s"' in page and 'value="25"' in page
