"""Usage in the browser (issue 18, acceptance 3): an admin stops the flows unused for 90 days, and only those.

The flows' runs come from the fake tenant's run history through the usage sync."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.choices import SyncKind
from inventory.models import Flow, TriageSettings
from inventory.services.recommendations import recompute
from inventory.services.sync import start_sync
from tests.conftest import PASSWORD
from tests.support.browser import go_to, open_filters, sign_in
from tests.support.tenant import drain, sync_now
from usage.models import FlowRunDay, FlowRunState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NAMES = ["Invoice archive", "Survey reminder", "Hourly stock sync", "Never read"]


def record_runs(flow, at, runs=1, failed=0):
    FlowRunDay.objects.create(flow_guid=flow.flow_id, day=at.date(), runs=runs, succeeded=runs - failed,
                              failed=failed, last_run=at, last_success=at, last_failure=at if failed else None)


@pytest.fixture
def flows(make_synced_tenant):
    """Four old flows: two idle for months, one that runs hourly, one the portal has not read before.

    The portal has read usage for 120 days, last 27 days ago (the state and the months-old runs earlier
    reads left); the usage sync then reads the fake's run history, as the daily run does.
    """
    tenant = make_synced_tenant(environments=1, apps=1, flows=4)[0]
    TriageSettings.objects.update_or_create(pk=1, defaults={"inactive_days": 90})
    now = timezone.now()
    flows = list(Flow.objects.filter(deleted_at__isnull=True).order_by("pk"))
    env = flows[0].environment.env_id
    for flow in flows:
        tenant.start_flow(env, flow.flow_id)
    sync_now()  # the flows' state as the tenant now has it
    for flow, name in zip(flows, NAMES, strict=True):
        Flow.objects.filter(pk=flow.pk).update(display_name=name, created_time=now - timedelta(700))
        flow.display_name = name
    idle, quiet, busy, _ = flows
    for flow, every in ((idle, None), (quiet, None), (busy, timedelta(hours=1)), (flows[3], None)):
        tenant.usage.set_flow_runs(tenant.flow(env, flow.flow_id), every=every)
    record_runs(idle, now - timedelta(days=95, hours=3))
    record_runs(quiet, now - timedelta(days=97, hours=5), runs=3, failed=1)
    FlowRunState.objects.bulk_create([FlowRunState(flow_guid=flow.flow_id, source="run history",
                                                   through=now - timedelta(days=27),
                                                   known_since=now - timedelta(days=120)) for flow in flows[:3]])
    run = drain(start_sync(SyncKind.USAGE_RUNS))
    assert not run.errors, run.errors
    recompute()
    return tenant, flows


def test_admin_stops_the_flows_unused_for_90_days_and_a_busy_flow_is_not_among_them(page, flows, coe_admin,
                                                                                       celery_worker):
    tenant, (idle, quiet, busy, unread) = flows
    sign_in(page, "alice", PASSWORD)
    go_to(page, "Flows")
    open_filters(page)
    page.get_by_label("Unused for N days").fill("90")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("2 results")).to_be_visible()
    results = page.locator("#results")
    for flow in (idle, quiet):
        row = results.get_by_role("row").filter(has=page.get_by_role("link", name=flow.display_name))
        last_run = timezone.localtime(Flow.objects.get(pk=flow.pk).last_run_time).strftime("%Y-%m-%d %H:%M")
        expect(row).to_contain_text(last_run)
        row.get_by_role("checkbox", name=f"Select {flow.display_name}").check()
    expect(results.get_by_role("link", name=busy.display_name)).to_have_count(0)
    expect(results.get_by_role("link", name=unread.display_name)).to_have_count(0)  # read now: 28 days known
    assert Flow.objects.get(pk=busy.pk).last_run_time > timezone.now() - timedelta(hours=2)
    page.get_by_label("Stop with a grace period").select_option("selected")
    page.get_by_role("button", name="Stop and ask the owners").click()
    expect(page.locator("[data-status]")).to_have_text("Completed", timeout=60_000)
    expect(page.locator("[data-progress]")).to_have_text("2 of 2 items")
    env = idle.environment.env_id
    assert {tenant.flow(env, flow.flow_id).state for flow in (idle, quiet)} == {"Stopped"}
    assert {tenant.flow(env, flow.flow_id).state for flow in (busy, unread)} == {"Started"}
