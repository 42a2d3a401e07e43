"""What the benchmarks share: a database of their own, migrated, and worker processes."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parents[1]


def fresh_database(name):
    """Create an empty database `name` beside the configured one; return its URL."""
    url = os.environ["DATABASE_URL"]
    base, _, _ = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def database_url(name):
    """The URL of database `name` beside the configured one."""
    base, _, _ = os.environ["DATABASE_URL"].rpartition("/")
    return f"{base}/{name}"


def database_exists(name):
    base, _, _ = os.environ["DATABASE_URL"].rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


class Workers:
    """Celery worker processes for a benchmark; tracks their peak resident memory.

    `processes` separate workers, each with a pool of `concurrency` (prefork processes, or threads),
    serving every queue.
    """

    def __init__(self, env, concurrency=2, processes=1, pool="prefork"):
        queues = "celery,migrations"  # the default queue and settings.MIGRATION_QUEUE
        self.processes = [
            subprocess.Popen([sys.executable, "-m", "celery", "-A", "coe_portal", "worker", "-c", str(concurrency),
                              "-P", pool, "-Q", queues, "-n", f"bench{index}@%h", "-l", "warning",
                              "--without-mingle", "--without-gossip"], cwd=ROOT, env=env, start_new_session=True)
            for index in range(processes)]
        self.peak_mb = 0.0

    def _family(self):
        family = []
        for process in self.processes:
            try:
                family += [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return family

    def sample(self):
        rss = 0
        for process in self._family():
            try:
                rss += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        self.peak_mb = max(self.peak_mb, rss / 2**20)

    def cpu_seconds(self):
        """CPU time (user + system) the worker processes have used so far."""
        total = 0.0
        for process in self._family():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def stop(self):
        for process in self.processes:
            os.killpg(process.pid, 15)
        for process in self.processes:
            process.wait(30)


def wait(predicate, workers, timeout, poll=0.5):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not done after {timeout} s")
        workers.sample()
        time.sleep(poll)


def bench_tenant(options, database, env, extra_settings=None, after_start=None, **fake_options):
    """A fresh database, Django set up, the generated tenant and its fake started with the bench throttle.

    Returns (tenant, servers, throttle profile numbers); `env` (the workers' environment) and Django's
    settings point at the fake, with the quota of `options.profile` and `extra_settings`. `after_start`
    runs once the fake is up (it points the Dataverse orgs' URLs at itself).
    """
    os.environ["DATABASE_URL"] = fresh_database(database)
    env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    manage(env, "migrate", "-v", "0")
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coe_portal.settings")
    django.setup()
    from django.conf import settings

    from coe_portal.core.ratelimit import SlidingWindowLimit
    from coe_portal.powerplatform.fake.api import FAMILIES, start_fake_tenant
    from coe_portal.powerplatform.fake.tenant import FakeTenant
    from coe_portal.powerplatform.fake.throttle import PROFILES

    started = time.monotonic()
    tenant = FakeTenant(seed=options.seed, environments=options.environments, apps=options.apps, flows=options.flows)
    print(f"generated the tenant in {time.monotonic() - started:.1f} s", file=sys.stderr)
    profile = PROFILES[options.profile].numbers()
    servers = start_fake_tenant(tenant, Path(tempfile.mkdtemp()), "bench-client", "bench-secret",
                                throttle=options.profile, **fake_options)
    if after_start:
        after_start(tenant)
    overrides = {**servers.settings(), "POWERPLATFORM_QUOTA_REQUESTS": profile["Q"],
                 "POWERPLATFORM_QUOTA_WINDOW": profile["W"], **(extra_settings or {})}
    env.update({name: str(value) for name, value in overrides.items()})
    for name, value in overrides.items():
        setattr(settings, name, value)
    for family in FAMILIES:
        SlidingWindowLimit(f"{settings.ENTRA_TENANT_ID}:{family}", 1, 1).reset()
    return tenant, servers, profile
