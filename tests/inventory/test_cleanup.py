"""Quarantine and clean-up against the fake tenant with a real Celery worker."""

import hashlib
import io
import time
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coe_portal.core.models import AuditEntry
from inventory.models import App, Backup, CleanupCase, Flow
from inventory.services import cleanup
from inventory.signals import cleanup_event

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.fixture
def tenant(make_synced_tenant):
    return make_synced_tenant(environments=2, apps=6, flows=6)[0]


@pytest.fixture
def events():
    seen = []

    def listen(sender, case, item, stage, **kwargs):
        seen.append((item.pk, stage))

    cleanup_event.connect(listen)
    yield seen
    cleanup_event.disconnect(listen)


def stage(case):
    return CleanupCase.objects.get(pk=case.pk).stage


def held(case):
    """Waiting with its grace period set: the tenant call (quarantine / stop) has returned."""
    case = CleanupCase.objects.get(pk=case.pk)
    return case.stage == "waiting" and case.grace_until is not None


def test_quarantined_app_is_released_when_its_owner_answers(tenant, celery_worker, coe_admin, maker, client, events):
    app = App.objects.filter(deleted_at__isnull=True, owner__isnull=False).first()
    app.owner.email = maker.email
    app.owner.save()
    [case] = cleanup.start_cleanup([app], coe_admin)
    wait_for(lambda: held(case))
    assert tenant.app(app.environment.env_id, app.app_id).quarantined
    app.refresh_from_db()
    assert app.quarantine_status == "quarantined"
    assert cleanup.start_cleanup([app], coe_admin) == []  # one open case per item
    client.force_login(maker)
    response = client.post(reverse("inventory:case-answer", args=[case.pk]), {"answer": "Used every month-end"})
    assert response.status_code == 302
    wait_for(lambda: stage(case) == "released")
    assert not tenant.app(app.environment.env_id, app.app_id).quarantined
    assert (app.pk, "quarantined") in events and (app.pk, "released") in events
    assert AuditEntry.objects.filter(action="cleanup.answer", actor=maker).exists()
    assert not cleanup.do_release_item(CleanupCase.objects.get(pk=case.pk), maker)  # too late twice


def test_another_maker_cannot_answer_for_an_item(tenant, coe_admin, other_maker, client):
    app = App.objects.filter(deleted_at__isnull=True).first()
    case = CleanupCase.objects.create(app=app, stage="waiting", grace_until=timezone.now() + timedelta(days=3))
    client.force_login(other_maker)
    assert client.post(reverse("inventory:case-answer", args=[case.pk])).status_code == 404
    assert stage(case) == "waiting"


def test_unanswered_flow_is_reminded_backed_up_verified_then_deleted(tenant, celery_worker, coe_admin, client, events):
    flow = Flow.objects.filter(deleted_at__isnull=True).first()
    [case] = cleanup.start_cleanup([flow], coe_admin)
    wait_for(lambda: held(case))
    assert tenant.flow(flow.environment.env_id, flow.flow_id).state == "Stopped"
    CleanupCase.objects.filter(pk=case.pk).update(grace_until=timezone.now() + timedelta(days=2))
    assert cleanup.advance_due() == 0
    assert (flow.pk, "reminder") in events and CleanupCase.objects.get(pk=case.pk).reminders_sent == 1
    CleanupCase.objects.filter(pk=case.pk).update(grace_until=timezone.now() - timedelta(minutes=1))
    client.force_login(coe_admin)
    client.post(reverse("inventory:case-run-due"))
    wait_for(lambda: stage(case) == "deleted", timeout=60)
    assert tenant.flow(flow.environment.env_id, flow.flow_id) is None
    backup = Backup.objects.get(case=case)
    assert backup.verified_at is not None
    download = client.get(reverse("inventory:backup-download", args=[backup.pk]))
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == backup.sha256 and len(content) == backup.size
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    flow.refresh_from_db()
    assert flow.deleted_at is not None
    assert [stage for pk, stage in events if pk == flow.pk][-2:] == ["backed_up", "deleted"]


def test_a_failed_export_deletes_nothing_and_can_be_retried(tenant, coe_admin, celery_worker):
    flow = Flow.objects.filter(deleted_at__isnull=True).first()
    case = CleanupCase.objects.create(flow=flow, stage="expired", created_by=coe_admin)
    tenant.flow(flow.environment.env_id, flow.flow_id).removed = True  # the export will find nothing
    cleanup.finish_case(case.pk)
    case.refresh_from_db()
    assert case.stage == "failed" and "cannot package" in case.error
    assert not Backup.objects.exists()
    fake_flow = next(f for f in tenant.environment(flow.environment.env_id).flows if f.name == flow.flow_id)
    fake_flow.removed = False  # the tenant answers again: the retry goes on from the backup step
    assert cleanup.retry_case(case)
    wait_for(lambda: stage(case) == "deleted", timeout=60)
    assert Backup.objects.get(case=case).verified_at is not None
    assert not cleanup.retry_case(CleanupCase.objects.get(pk=case.pk))  # only failed cases are retried


def test_delete_only_needs_a_reason(tenant, coe_admin, celery_worker):
    app = App.objects.filter(deleted_at__isnull=True).first()
    with pytest.raises(ValueError, match="needs a reason"):
        cleanup.start_cleanup([app], coe_admin, mode="delete_only")
    [case] = cleanup.start_cleanup([app], coe_admin, mode="delete_only", reason="Test app of a leaver")
    wait_for(lambda: stage(case) == "deleted")
    assert tenant.app(app.environment.env_id, app.app_id) is None and not Backup.objects.exists()


def test_an_emailed_keep_that_comes_during_the_quarantine_call_releases_the_app_once_held(tenant, coe_admin,
                                                                                          monkeypatch):
    app = App.objects.filter(deleted_at__isnull=True).first()
    case = CleanupCase.objects.create(app=app, created_by=coe_admin)
    original = cleanup._hold
    answered = []

    def answer_meanwhile(case, client, held):
        original(case, client, held)
        if held:  # the owner's e-mailed answer arrives before the grace period is recorded
            answered.append(cleanup.do_release_item(case, None, "Keep (answered by e-mail)", when_held=True))
            assert not cleanup.do_release_item(case, None, "from the page")  # the page still refuses it

    monkeypatch.setattr(cleanup, "_hold", answer_meanwhile)
    cleanup.start_case(case.pk)
    assert answered == [True]
    case.refresh_from_db()
    assert case.stage == "releasing" and case.answer == "Keep (answered by e-mail)"
    cleanup.release_case(case.pk)
    assert stage(case) == "released"
    assert not tenant.app(app.environment.env_id, app.app_id).quarantined
