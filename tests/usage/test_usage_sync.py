"""The usage syncs through the fake tenant (usage-apis.md 7), into PostgreSQL, as issue 18's acceptance asks."""

import os
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from inventory.choices import SyncKind
from inventory.models import App, Flow, TriageSettings
from inventory.services import recommendations, sync
from tests.inventory.test_sync_faults import start_worker, wait_finished, worker_environment
from tests.support.tenant import drain, sync_now
from usage.models import AppLaunchDay, AuditContent, FlowRunDay, FlowRunState, UsageSource

pytestmark = pytest.mark.django_db(transaction=True)


def usage_now(kind):
    run = drain(sync.start_sync(kind))
    recommendations.recompute()
    return run


def busy_and_idle_flows(tenant):
    """A started flow in the default environment last modified two years ago, and another one."""
    env = tenant.default_environment
    started = [flow for flow in env.flows if flow.live and flow.state == "Started" and not flow.workflow_id]
    return started[0], started[1]


def test_a_flow_modified_two_years_ago_that_runs_hourly_is_never_cleaned_up(make_tenant):
    tenant, _ = make_tenant(environments=2, apps=10, flows=30)
    hourly, dead = busy_and_idle_flows(tenant)
    now = tenant.clock()
    for flow in (hourly, dead):
        flow.created = flow.modified = (now - timedelta(days=730)).timestamp()
        flow.changed()
    tenant.usage.set_flow_runs(hourly, every=timedelta(hours=1))
    tenant.usage.set_flow_runs(dead, every=None)
    sync_now()
    # The portal has read usage for 400 days already; its last read was 27 days ago.
    last_read = timezone.now() - timedelta(days=27)
    for flow_id in (hourly.name, dead.name):
        FlowRunState.objects.create(flow_guid=flow_id, source="run history", through=last_read,
                                    known_since=timezone.now() - timedelta(days=400))
    TriageSettings.objects.update_or_create(pk=1, defaults={"inactive_days": 90, "delete_after_days": 180})
    run = usage_now(SyncKind.USAGE_RUNS)
    assert not run.errors, run.errors
    busy, idle = Flow.objects.get(flow_id=hourly.name), Flow.objects.get(flow_id=dead.name)
    read_from = (last_read - timedelta(hours=6)).replace(hour=0, minute=0, second=0, microsecond=0)
    read_through = FlowRunState.objects.get(flow_guid=hourly.name).through  # the read counts runs started before
    truth = tenant.usage.run_counts(hourly, read_from, read_through)
    assert busy.runs_30d == truth["runs"] and busy.runs_30d >= 24 * 27
    assert busy.last_run_time >= timezone.now() - timedelta(hours=2)
    assert busy.recommendation not in ("quarantine", "delete") and "inactive" not in busy.recommendation_reasons
    assert not Flow.objects.unused_for(90).filter(pk=busy.pk).exists()
    assert idle.runs_30d == 0 and idle.last_run_time is None
    assert idle.recommendation == "delete" and Flow.objects.unused_for(90).filter(pk=idle.pk).exists()


def test_an_app_launched_yesterday_by_40_people_is_not_inactive(make_tenant):
    tenant, _ = make_tenant(environments=2, apps=10, flows=10, makers=60)
    app = next(app for app in tenant.default_environment.apps if app.live)
    tenant.usage.set_app_pattern(app, "dead")
    yesterday = tenant.clock() - timedelta(days=1)
    people = [maker for maker in tenant.makers if not maker.deleted][:40]
    tenant.usage.add_launches(app, [(yesterday + timedelta(minutes=i), maker) for i, maker in enumerate(people)])
    sync_now()
    run = usage_now(SyncKind.USAGE_AUDIT)
    assert not run.errors, run.errors
    stored = App.objects.get(app_id=app.name)
    assert stored.unique_users_30d == 40 and stored.launches_30d == 40
    assert stored.last_launched_time >= timezone.now() - timedelta(days=2)
    assert "inactive" not in stored.recommendation_reasons and stored.recommendation not in ("quarantine", "delete")


def test_repeated_and_late_audit_records_count_once(make_tenant):
    tenant, _ = make_tenant(environments=2, apps=10, flows=10)
    app = next(app for app in tenant.default_environment.apps if app.live)
    tenant.usage.set_app_pattern(app, "dead")
    maker = next(maker for maker in tenant.makers if not maker.deleted)
    now = tenant.clock()
    tenant.usage.add_launches(app, [(now - timedelta(hours=30), maker), (now - timedelta(hours=29), maker)])
    sync_now()
    usage_now(SyncKind.USAGE_AUDIT)
    first = AppLaunchDay.objects.filter(app_guid=app.name).values_list("launches", flat=True)
    assert sum(first) == 2
    # A later blob repeats both records, and a late one brings a launch from three days ago.
    for content in AuditContent.objects.all():
        tenant.usage.duplicate_blob(content.content_id)
    tenant.usage.add_launches(app, [(now - timedelta(days=3), maker)], delay=timedelta(days=3))
    run = usage_now(SyncKind.USAGE_AUDIT)
    assert not run.errors, run.errors
    assert sum(AppLaunchDay.objects.filter(app_guid=app.name).values_list("launches", flat=True)) == 3
    truth = tenant.usage.launch_counts(app, now - timedelta(days=7), now + timedelta(days=1))
    assert App.objects.get(app_id=app.name).launches_30d == truth["launches"] == 3


def test_a_failing_source_leaves_usage_unknown_instead_of_guessing(make_tenant, settings):
    settings.POWERPLATFORM_MAX_ATTEMPTS, settings.POWERPLATFORM_BACKOFF_CAP = 2, 0.05  # 503s fail fast
    tenant, _ = make_tenant(environments=2, apps=10, flows=20)
    sync_now()
    TriageSettings.objects.update_or_create(pk=1, defaults={"inactive_days": 20, "delete_after_days": 400})
    tenant.usage.fail("audit", 400, "AF20023", "The subscription was disabled.")
    tenant.usage.fail("runs", 503, "ServiceUnavailable", "Try later.")
    tenant.usage.fail("dataverse", 503, "ServiceUnavailable", "Try later.")
    usage_now(SyncKind.USAGE_AUDIT)
    usage_now(SyncKind.USAGE_RUNS)
    feed = UsageSource.objects.get(key="audit")
    assert feed.state == UsageSource.State.FAILED and "AF20023" in feed.last_error
    old = timezone.now() - timedelta(days=100)
    App.objects.update(created_time=old)
    Flow.objects.update(created_time=old)
    recommendations.recompute()
    for model in (App, Flow):
        items = model.objects.filter(deleted_at=None).exclude(last_launched_time__isnull=False) if model is App \
            else model.objects.filter(deleted_at=None)
        assert items.exists()
        assert not items.filter(recommendation__in=["quarantine", "delete"]).exists()
        assert not items.exclude(recommendation_reasons__contains="usage_unknown").exists()
        assert not items.filter(usage_known_since__isnull=False).exists()


@pytest.mark.timeout(240)
def test_a_worker_killed_mid_usage_sync_is_resumed_to_exact_counts(make_tenant, settings):
    from coe_portal.celery import app as celery_app

    tenant, servers = make_tenant(environments=3, apps=60, flows=120)
    sync_now()
    servers.faults.slow_next(r"/audit/|/runs", seconds=0.02, times=100_000)  # blobs and run pages take a while
    env = worker_environment(settings)
    celery_app.control.purge()
    worker = start_worker(env)
    runs = [sync.start_sync(SyncKind.USAGE_AUDIT), sync.start_sync(SyncKind.USAGE_RUNS)]
    deadline = time.monotonic() + 60
    while sum(run.tasks_done for run in runs) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
        for run in runs:
            run.refresh_from_db()
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    assert not all(run.is_finished for run in runs), "the kill must land mid-sync"
    celery_app.control.purge()
    worker = start_worker(env)
    try:
        for run in runs:
            sync.resume(run)
        runs = [wait_finished(run, timeout=150) for run in runs]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
    assert all(not run.errors for run in runs), [run.errors for run in runs]
    read_at = parse_datetime(runs[1].tasks.get(name="usage_runs_start").args["at"])
    begin = parse_datetime(runs[0].tasks.get(name="usage_audit_start").args["begin"])
    # Days wholly after the first content listed and before content could still be on its way (48 h).
    days = [(begin + timedelta(days=n)).date() for n in range(2, 5)]
    for app in tenant.apps:
        truth = sum(tenant.usage.launch_counts(app, _day(day), _day(day) + timedelta(days=1))["launches"]
                    for day in days)
        stored = AppLaunchDay.objects.filter(app_guid=app.name, day__in=days)
        assert sum(row.launches for row in stored) == truth, app.name
    first_day = (read_at - timedelta(days=27)).date()
    read_through = dict(FlowRunState.objects.values_list("flow_guid", "through"))
    for flow in [flow for flow in tenant.flows if flow.state == "Started"]:
        truth = tenant.usage.run_counts(flow, _day(first_day), read_through[flow.name])["runs"]
        stored = FlowRunDay.objects.filter(flow_guid=flow.name, day__gte=first_day)
        assert sum(row.runs for row in stored) == truth, flow.name


def _day(day):
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def test_the_command_reads_both_and_prints_each_source(make_tenant):
    import json
    from io import StringIO

    from django.core.management import call_command

    make_tenant(environments=2, apps=10, flows=10)
    sync_now()
    out = StringIO()
    call_command("sync_usage", "all", "--inline", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert [run["status"] for run in summary["runs"]] == ["completed", "completed"]
    assert {"Audit feed (app launches)", "Flow run history"} <= {source["source"] for source in summary["sources"]}
    assert summary["runs"][0]["counts"]["audit"]["records"] > 0
