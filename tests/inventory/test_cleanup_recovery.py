"""A worker that dies holding a clean-up case: the case is recovered past the lease and finished exactly once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from coe_portal.core.models import AuditEntry, JobRun
from coe_portal.powerplatform.client import PowerPlatformClient
from coe_portal.powerplatform.errors import ApiError
from inventory import tasks
from inventory.models import App, Backup, CleanupCase, Flow
from inventory.services import cleanup, cleanup_jobs, cleanup_recovery
from tests.inventory.test_cleanup import tenant, wait_for  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


class WorkerDied(BaseException):
    """The process stopped mid-call (not an error a step catches)."""


class DyingClient:
    """The real client, except that the worker dies in `method` (after the tenant call when `after`)."""

    def __init__(self, method, after=False):
        self.client, self.method, self.after = PowerPlatformClient.shared(), method, after

    def __getattr__(self, name):
        real = getattr(self.client, name)
        if name != self.method:
            return real

        def die(*args, **kwargs):
            if self.after:
                real(*args, **kwargs)
            raise WorkerDied(name)
        return die


def expired_case(item, user, **fields):
    kind = "app" if isinstance(item, App) else "flow"
    return CleanupCase.objects.create(**{kind: item}, stage="expired", created_by=user,
                                      grace_until=timezone.now() - timedelta(days=1), **fields)


def past_the_lease(case):
    """Move the clock past the claim's lease (the claim is made older instead)."""
    lease = timedelta(seconds=settings.CLEANUP_LEASE_SECONDS + 1)
    claimed = CleanupCase.objects.get(pk=case.pk).claimed_at
    CleanupCase.objects.filter(pk=case.pk).update(claimed_at=claimed - lease)


def die_in(case, method, after=False):
    with pytest.raises(WorkerDied):
        cleanup.finish_case(case.pk, DyingClient(method, after)) if case.mode == "quarantine" else \
            cleanup.start_case(case.pk, DyingClient(method, after))
    return CleanupCase.objects.get(pk=case.pk)


def audits(action, item):
    return AuditEntry.objects.filter(action=action, object_id=str(item.pk)).count()


@pytest.mark.parametrize("kind, after", [("flow", False), ("app", True)])
def test_death_while_deleting_is_recovered_by_beat_and_deletes_once(tenant, coe_admin, celery_worker,  # noqa: F811
                                                                    kind, after):
    model = App if kind == "app" else Flow
    item = model.objects.filter(deleted_at__isnull=True).first()
    case = die_in(expired_case(item, coe_admin), f"delete_{kind}", after=after)
    assert case.stage == "deleting" and case.claimed_at is not None
    backup = Backup.objects.get(case=case)
    assert backup.verified_at is not None
    assert cleanup_recovery.recover_stale() == []  # the claim is still within its lease
    past_the_lease(case)
    tasks.cleanup_recover.delay()  # what beat runs every five minutes
    wait_for(lambda: CleanupCase.objects.get(pk=case.pk).stage == "deleted", timeout=60)
    env_id = item.environment.env_id
    assert (tenant.app(env_id, item.app_id) if kind == "app" else tenant.flow(env_id, item.flow_id)) is None
    assert list(Backup.objects.filter(case=case)) == [backup]  # kept, not taken twice
    assert audits("cleanup.deleted", item) == 1 and audits("cleanup.recovered", item) == 1
    assert audits("cleanup.backed_up", item) == 1
    item.refresh_from_db()
    assert item.deleted_at is not None
    assert cleanup_recovery.recover_stale() == []  # nothing left to recover


def test_death_while_backing_up_is_recovered_by_the_retry_button(tenant, coe_admin, celery_worker,  # noqa: F811
                                                                  client):
    flow = Flow.objects.filter(deleted_at__isnull=True).first()
    case = die_in(expired_case(flow, coe_admin), "export_package")
    assert case.stage == "backing_up" and not Backup.objects.exists()
    client.force_login(coe_admin)
    page = client.get(reverse("inventory:case-list")).content.decode()
    assert reverse("inventory:case-retry", args=[case.pk]) not in page  # within the lease: no Retry yet
    past_the_lease(case)
    page = client.get(reverse("inventory:case-list")).content.decode()
    assert reverse("inventory:case-retry", args=[case.pk]) in page
    client.post(reverse("inventory:case-retry", args=[case.pk]))
    wait_for(lambda: CleanupCase.objects.get(pk=case.pk).stage == "deleted", timeout=60)
    assert Backup.objects.get(case=case).verified_at is not None
    assert tenant.flow(flow.environment.env_id, flow.flow_id) is None
    assert audits("cleanup.deleted", flow) == 1 and audits("cleanup.backed_up", flow) == 1
    assert AuditEntry.objects.filter(action="cleanup.retry", details__retried=True).count() == 1


def test_death_in_a_job_shows_on_the_job_page_and_its_retry_finishes_it(tenant, coe_admin, celery_worker,  # noqa: F811
                                                                          client):
    flows = list(Flow.objects.filter(deleted_at__isnull=True).order_by("pk")[:2])
    job = JobRun.objects.create(kind="cleanup.finish", status="running", progress_total=2)
    dead, other = [expired_case(flow, coe_admin, job=job) for flow in flows]
    die_in(dead, "delete_flow")
    cleanup_jobs.run_chunk(job.pk, [other.pk])
    assert JobRun.objects.get(pk=job.pk).status == "running"  # the dead case still counts as working
    past_the_lease(dead)
    client.force_login(coe_admin)
    page = client.get(reverse("inventory:cleanup-job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "1 item stuck" in page and "Retry the 1 stuck" in page
    client.post(reverse("inventory:cleanup-job-retry", args=[job.pk]))
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == "completed", timeout=60)
    assert JobRun.objects.get(pk=job.pk).result["deleted"] == 2
    assert audits("cleanup.deleted", flows[0]) == 1


def test_delete_only_death_resumes_without_a_backup(tenant, coe_admin, celery_worker):  # noqa: F811
    app = App.objects.filter(deleted_at__isnull=True).first()
    case = CleanupCase.objects.create(app=app, mode="delete_only", reason="Leaver's test app", created_by=coe_admin)
    case = die_in(case, "delete_app")
    assert case.stage == "deleting"
    assert cleanup_recovery.resume_stage(case) == "pending"
    past_the_lease(case)
    tasks.cleanup_recover.delay()
    wait_for(lambda: CleanupCase.objects.get(pk=case.pk).stage == "deleted", timeout=60)
    assert not Backup.objects.exists() and audits("cleanup.deleted", app) == 1


def test_a_slow_worker_that_loses_its_claim_records_nothing_twice(tenant, coe_admin, celery_worker):  # noqa: F811
    flow = Flow.objects.filter(deleted_at__isnull=True).first()
    case = die_in(expired_case(flow, coe_admin), "delete_flow")
    past_the_lease(case)
    # The slow worker's view of its claim (a stale one), taken before the recovery re-claims the case.
    held = CleanupCase.objects.select_related("flow__environment").get(pk=case.pk)
    tasks.cleanup_recover.delay()
    wait_for(lambda: CleanupCase.objects.get(pk=case.pk).stage == "deleted", timeout=60)
    assert cleanup._delete(held, PowerPlatformClient.shared()) is None  # its late write is refused
    assert CleanupCase.objects.get(pk=case.pk).stage == "deleted"
    assert audits("cleanup.deleted", flow) == 1


def test_no_case_reaches_deleted_without_a_verified_backup(tenant, coe_admin):  # noqa: F811
    flow = Flow.objects.filter(deleted_at__isnull=True).first()
    case = expired_case(flow, coe_admin)
    CleanupCase.objects.filter(pk=case.pk).update(stage="backed_up")  # but no backup was ever stored
    cleanup.finish_case(case.pk)
    case.refresh_from_db()
    assert case.stage == "failed" and "no verified backup" in case.error
    assert tenant.flow(flow.environment.env_id, flow.flow_id) is not None


def test_the_client_counts_an_app_the_tenant_no_longer_has_as_deleted(make_tenant):
    fake, servers = make_tenant(environments=1, apps=3, flows=1)
    client = PowerPlatformClient.shared()
    env = fake.default_environment.name
    first, second, third = (app.name for app in fake.default_environment.apps[:3])
    assert client.delete_app(env, first) is True
    assert client.delete_app(env, first) is False  # 403 for the missing app, which a GET confirms is gone
    # The delete acted but its answer was lost (the worker's connection dropped): the resent DELETE is a no-op.
    servers.faults.lose_answer_next(rf"/apps/{second}$")
    assert client.delete_app(env, second) is False and fake.app(env, second) is None
    servers.faults.fail_next(rf"/apps/{third}$", status=403)  # a refusal while the app is still there
    with pytest.raises(ApiError, match="403"):
        client.delete_app(env, third)
    assert fake.app(env, third) is not None
