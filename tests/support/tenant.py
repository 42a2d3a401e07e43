"""Fixtures for the fake tenant: the real client, msal included, talks to it on loopback HTTPS."""

import pytest

from coe_portal.core.ratelimit import SlidingWindowLimit
from coe_portal.powerplatform.fake.api import start_fake_tenant
from coe_portal.powerplatform.fake.tenant import FakeTenant
from inventory.models import SyncRun
from inventory.services import sync

CLIENT_ID = "c0e00000-0000-4000-8000-00000000c11e"
CLIENT_SECRET = "fake-tenant-secret"


def point_portal_at(settings, servers, quota=100_000, window=60):
    for name, value in servers.settings().items():
        setattr(settings, name, value)
    settings.POWERPLATFORM_QUOTA_REQUESTS, settings.POWERPLATFORM_QUOTA_WINDOW = quota, window
    for family in ("bap", "powerapps", "flow", "graph", "manage", "ppapi"):
        SlidingWindowLimit(f"{settings.ENTRA_TENANT_ID}:{family}", 1, 1).reset()


@pytest.fixture
def make_tenant(settings, tmp_path):
    """Start a fake tenant with the given shape and throttle; the portal's settings point at it."""
    started = []

    def make(environments=4, apps=60, flows=120, seed=3, throttle="none", faults="", makers=None):
        tenant = FakeTenant(seed=seed, environments=environments, apps=apps, flows=flows, makers=makers)
        servers = start_fake_tenant(tenant, tmp_path / "tls", CLIENT_ID, CLIENT_SECRET, throttle=throttle,
                                    faults=faults)
        started.append(servers)
        point_portal_at(settings, servers)
        return tenant, servers

    yield make
    for servers in started:
        servers.stop()


def drain(run, limit=10_000):
    """Do a run's tasks in this process until it finishes; return the finished run."""
    for _ in range(limit):
        run.refresh_from_db()
        if run.is_finished:
            return run
        for task_id in run.tasks.filter(done=False).values_list("pk", flat=True):
            sync.run_task(task_id)
    raise AssertionError("the sync did not finish")


def sync_now(kind="full"):
    return drain(sync.start_sync(kind))


@pytest.fixture
def make_synced_tenant(make_tenant, settings, tmp_path):
    """make_tenant, then a full sync into the portal; backups and exports go to a media folder of the test's own."""

    def make(**shape):
        settings.MEDIA_ROOT = tmp_path / "media"
        tenant, servers = make_tenant(**shape)
        sync_now()
        return tenant, servers

    return make


__all__ = ["SyncRun", "drain", "make_synced_tenant", "make_tenant", "point_portal_at", "sync_now"]
