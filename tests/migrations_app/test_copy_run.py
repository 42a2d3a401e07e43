"""Starting a copy through the tenant API and tracking its operation, with the fake tenant and a real worker."""

import time

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from migrations_app.choices import CopyLevel, PlanStatus
from migrations_app.models import CopyEnvironmentPlan
from migrations_app.services.plans import copy_run
from migrations_app.services.plans.actions import create_plan, do_start_copy, do_update_item
from tests.migrations_app.plans import inventory_of, pair


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.django_db(transaction=True)
def test_an_admin_copies_through_the_tenant_and_completes_the_checklist(client, coe_admin, make_tenant, settings,
                                                                       celery_worker):
    settings.ENVOPS_POLL_SECONDS = 0
    tenant, servers = make_tenant(environments=8, apps=5, flows=5)
    inventory_of(tenant)
    source, target = pair(tenant)
    plan = create_plan(CopyEnvironmentPlan(title="Refresh", source=source, target=target,
                                           level=CopyLevel.CUSTOMIZATIONS,
                                           security_group_id="5f3c9a1e-0000-4000-8000-000000000001"), coe_admin)
    client.force_login(coe_admin)
    refused = client.post(reverse("migrations_app:copy-start", args=[plan.pk]), {"confirmation": "wrong"}, follow=True)
    assert f"Type the target environment&#x27;s name, {target.display_name}, exactly" in refused.content.decode()
    assert not CopyEnvironmentPlan.objects.get(pk=plan.pk).job_id
    client.post(reverse("migrations_app:copy-start", args=[plan.pk]), {"confirmation": target.display_name})
    plan.refresh_from_db()
    wait_for(lambda: CopyEnvironmentPlan.objects.get(pk=plan.pk).job.is_finished)
    plan.refresh_from_db()
    assert plan.job.status == "completed", plan.job.error
    assert plan.operation_status == "Succeeded" and plan.status == PlanStatus.IN_PROGRESS
    (request,) = servers.context.copy_operations.requests.values()
    assert (request["source"], request["target"], request["copyType"]) == (source.env_id, target.env_id,
                                                                           "MinimalCopy")
    assert request["targetSecurityGroupId"] == "5f3c9a1e-0000-4000-8000-000000000001"
    assert request["skipAuditData"] is True
    assert any("not listed yet" in line["message"] for line in plan.job.log)
    for item in plan.checklist.all():
        plan = do_update_item(item, "Ada", "done")
    assert plan.status == PlanStatus.COMPLETED
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"envops.copy.start", "envops.copy.succeeded"} <= actions


@pytest.mark.django_db(transaction=True)
def test_a_copy_the_tenant_refuses_fails_the_plan_with_its_reason(coe_admin, make_tenant, settings):
    tenant, _ = make_tenant(environments=8, apps=5, flows=5)
    inventory_of(tenant)
    source, target = pair(tenant)
    plan = create_plan(CopyEnvironmentPlan(title="Refresh", source=source, target=target), coe_admin)
    do_start_copy(plan, coe_admin, target.display_name)
    # The tenant changed since the inventory was read: the target is production now.
    next(e for e in tenant.environments if e.name == target.env_id).sku = "Production"
    assert copy_run.step(plan.pk) == copy_run.DONE
    plan.refresh_from_db()
    assert plan.status == PlanStatus.FAILED
    assert "EnvironmentCopyNotAllowed: Production environments cannot be the target of a copy." in plan.job.error


@pytest.mark.django_db(transaction=True)
def test_steps_are_idempotent_and_start_the_copy_once(coe_admin, make_tenant):
    tenant, servers = make_tenant(environments=8, apps=5, flows=5)
    inventory_of(tenant)
    source, target = pair(tenant)
    plan = create_plan(CopyEnvironmentPlan(title="Refresh", source=source, target=target), coe_admin)
    do_start_copy(plan, coe_admin, target.display_name)
    results = [copy_run.step(plan.pk) for _ in range(8)]
    # start, not listed yet, running, running, succeeded; later steps change nothing
    assert results == [copy_run.AGAIN] * 4 + [copy_run.DONE] * 4
    assert len(servers.context.copy_operations.requests) == 1
    plan.refresh_from_db()
    assert plan.job.progress_done == 3 and plan.job.status == "completed"


@pytest.mark.django_db(transaction=True)
def test_server_errors_and_resets_are_retried_and_the_copy_still_starts_once(coe_admin, make_tenant, settings):
    settings.POWERPLATFORM_BACKOFF_CAP = 0.05
    tenant, servers = make_tenant(environments=8, apps=5, flows=5)
    servers.faults.fail_next("copyTo", status=503, times=2)
    servers.faults.reset_next("/operations/", times=1)
    servers.faults.fail_next("/operations/", status=502, times=1)
    inventory_of(tenant)
    source, target = pair(tenant)
    plan = create_plan(CopyEnvironmentPlan(title="Refresh", source=source, target=target), coe_admin)
    do_start_copy(plan, coe_admin, target.display_name)
    for _ in range(20):
        if copy_run.step(plan.pk) == copy_run.DONE:
            break
    plan.refresh_from_db()
    assert plan.job.status == "completed", plan.job.error
    assert len(servers.context.copy_operations.requests) == 1
    assert sum(servers.faults.injected.values()) == 4  # every scripted fault was met and retried
