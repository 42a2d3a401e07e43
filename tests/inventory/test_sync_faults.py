"""The sync under throttling, faults, token expiry, a real Celery worker, and a killed worker."""

import json
import os
import signal
import subprocess
import sys
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from inventory.choices import SyncStatus
from inventory.models import App, Flow, SyncRun, SyncTask
from inventory.services import sync
from tests.inventory.test_sync import portal_counts, tenant_counts
from tests.support.tenant import sync_now

pytestmark = pytest.mark.django_db(transaction=True)


def wait_finished(run, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            return run
        time.sleep(0.1)
    raise AssertionError(f"sync still running: {run.tasks_done}/{run.tasks_total}")


class TestFaults:
    def test_a_429_storm_is_ridden_out_with_exact_counts(self, make_tenant):
        tenant, servers = make_tenant(environments=2, apps=30, flows=150, throttle="tight")
        run = sync_now()
        assert run.status == SyncStatus.COMPLETED, run.errors
        assert run.throttled > 0 and servers.stats()["flow"]["throttled"] > 0
        assert portal_counts() == tenant_counts(tenant)

    def test_5xx_resets_truncated_pages_and_expired_tokens_are_retried(self, make_tenant):
        tenant, servers = make_tenant(faults="5xx=0.05,malformed=0.03,reset=0.02,expire=0.02")
        run = sync_now()
        assert run.status == SyncStatus.COMPLETED, run.errors
        assert run.retries > 0 and sum(servers.faults.injected.values()) > 0
        assert portal_counts() == tenant_counts(tenant)

    def test_tokens_revoked_mid_sync_are_fetched_again(self, make_tenant):
        tenant, servers = make_tenant()
        servers.faults.expire_next(r"/v2/flows", times=2)
        run = sync_now()
        assert run.status == SyncStatus.COMPLETED, run.errors
        assert portal_counts() == tenant_counts(tenant)

    def test_a_page_that_stays_malformed_is_reported_with_its_request(self, make_tenant):
        tenant, servers = make_tenant()
        servers.faults.malformed_next(r"/v2/flows", times=100)
        run = sync_now()
        assert run.status == SyncStatus.COMPLETED_WITH_ERRORS
        assert any("/v2/flows" in error["url"] for error in run.errors)
        assert Flow.objects.count() == 0 and App.objects.count() == len(tenant.apps)


class TestThroughCelery:
    def test_a_worker_runs_the_whole_sync(self, make_tenant, celery_worker):
        tenant, _ = make_tenant()
        run = wait_finished(sync.start_sync("full"))
        assert run.status == SyncStatus.COMPLETED, run.errors
        assert portal_counts() == tenant_counts(tenant)
        assert run.tasks_done == run.tasks_total == SyncTask.objects.filter(run=run).count()

    def test_the_command_prints_a_json_summary(self, make_tenant):
        tenant, _ = make_tenant()
        out = StringIO()
        call_command("sync_inventory", "--inline", "--json", stdout=out)
        summary = json.loads(out.getvalue())
        assert summary["status"] == "completed" and summary["kind"] == "full"
        assert summary["counts"]["flows"]["total"] == len(tenant.flows)
        assert summary["requests"] > len(tenant.flows)


def worker_environment(settings):
    env = dict(os.environ)
    base, _, _ = env["DATABASE_URL"].rpartition("/")
    env["DATABASE_URL"] = f"{base}/{connection.settings_dict['NAME']}"
    for name in ("ENTRA_TENANT_ID", "ENTRA_CLIENT_ID", "ENTRA_CLIENT_SECRET", "ENTRA_AUTHORITY_HOST",
                 "ENTRA_CA_BUNDLE", "POWERPLATFORM_BAP_URL", "POWERPLATFORM_POWERAPPS_URL", "POWERPLATFORM_FLOW_URL",
                 "POWERPLATFORM_GRAPH_URL", "POWERPLATFORM_MANAGE_URL", "POWERPLATFORM_API_URL",
                 "POWERPLATFORM_CA_BUNDLE", "POWERPLATFORM_QUOTA_REQUESTS",
                 "POWERPLATFORM_QUOTA_WINDOW", "POWERPLATFORM_DATAVERSE_URL_PATTERN"):
        env[name] = str(getattr(settings, name))
    return env


def start_worker(env):
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "coe_portal", "worker", "-c", "2", "-l", "warning",
                             "--without-mingle", "--without-gossip"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class TestKillAndResume:
    @pytest.mark.timeout(240)
    def test_a_worker_killed_mid_sync_is_resumed_to_exact_counts(self, make_tenant, settings):
        from coe_portal.celery import app as celery_app

        tenant, servers = make_tenant(environments=6, apps=200, flows=600)
        servers.faults.slow_next(r"/flows/[^/]+$", seconds=0.02, times=100_000)  # detail calls take a while
        env = worker_environment(settings)
        celery_app.control.purge()
        worker = start_worker(env)
        run = sync.start_sync("full")
        deadline = time.monotonic() + 60
        while run.tasks_done < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
            run.refresh_from_db()
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        run.refresh_from_db()
        assert not run.is_finished and run.tasks_done < run.tasks_total, "the kill must land mid-sync"
        celery_app.control.purge()  # the dead worker's messages would only come back after the visibility timeout
        worker = start_worker(env)
        try:
            sync.resume(run)
            run = wait_finished(run, timeout=150)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        assert run.status == SyncStatus.COMPLETED, run.errors
        assert portal_counts() == tenant_counts(tenant)
        assert run.counts["apps"]["created"] == len(tenant.apps)
        assert run.counts["flows"]["created"] == len(tenant.flows)
        assert SyncRun.objects.count() == 1
        assert not SyncTask.objects.filter(run=run, done=False).exists()
