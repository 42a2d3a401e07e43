"""1,000 single-app migration jobs through Celery workers against the fake tenant under its throttle.

`--workers` Celery worker processes (4), each running `--threads` jobs at once (4) in a threads pool, as
the migration worker does (docker-compose's migration-worker); `--threads 0` runs prefork processes
instead, one job at a time each.

Prints:
  BENCH migrate jobs_per_min=J bound_per_min=B ratio=J/B jobs=N seconds=S calls_per_job=C min_seconds=M
        failed=F throttled=T worker_cpu_s=W fake_cpu_s=K

B is what the fake's throttle allows: for every throttle bucket (one per API server and principal,
one per Dataverse organisation), the least time its share of the calls needs under the profile's
quota Q per window W, execution budget X, concurrency C and latency L (bench/sync.py, least_seconds);
the slowest bucket bounds the run. A person picking connections is played by this process: it
binds each waiting job to the first connection offered, as soon as it sees it waiting.
Sources are kept (no quarantine), so each job is exactly the pipeline's calls.
"""

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.support import Workers, fresh_database, manage, wait
from bench.sync import least_seconds

FAMILIES = ("bap", "powerapps", "flow", "graph", "dataverse")


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4, help="Celery worker processes")
    parser.add_argument("--threads", type=int, default=4,
                        help="jobs each worker runs at once, in threads, as the migration worker does (0: prefork)")
    parser.add_argument("--profile", default="bench")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def setup(options):
    """A fresh database, the fake tenant under the profile, the settings pointing at it; (env, tenant, servers)."""
    os.environ["DATABASE_URL"] = fresh_database("coe_bench_migrate")
    env = dict(os.environ, MIGRATION_POLL_MS="50", MIGRATION_RETRY_SECONDS="1",
               MEDIA_ROOT=tempfile.mkdtemp(prefix="bench-media-"))
    os.environ.update(env)
    manage(env, "migrate", "-v", "0")
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coe_portal.settings")
    django.setup()
    from django.conf import settings

    from coe_portal.core.ratelimit import SlidingWindowLimit
    from coe_portal.powerplatform.fake.api import start_fake_tenant
    from coe_portal.powerplatform.fake.solution_store import SolutionOptions
    from coe_portal.powerplatform.fake.tenant import FakeTenant
    from coe_portal.powerplatform.fake.throttle import PROFILES

    tenant = FakeTenant(seed=options.seed, environments=12, apps=int(options.jobs * 2.5), flows=200)
    profile = PROFILES[options.profile].numbers()
    servers = start_fake_tenant(tenant, Path(tempfile.mkdtemp()), "bench-client", "bench-secret",
                                throttle=options.profile)
    servers.context.solutions.options = SolutionOptions(polls=1, seconds=60)
    overrides = {**servers.settings(), "POWERPLATFORM_QUOTA_REQUESTS": profile["Q"],
                 "POWERPLATFORM_QUOTA_WINDOW": profile["W"]}
    env.update({name: str(value) for name, value in overrides.items()})
    for name, value in overrides.items():
        setattr(settings, name, value)
    for family in ("bap", "powerapps", "flow", "graph"):
        SlidingWindowLimit(f"{settings.ENTRA_TENANT_ID}:{family}", 1, 1).reset()
    return env, tenant, servers, profile


def count_buckets(servers):
    """Count admitted requests per throttle bucket (server, principal) from now on."""
    counts, refusals = Counter(), Counter()
    counts.refusals = refusals
    for family in FAMILIES:
        throttle = servers.throttles[family]
        enter = throttle.enter

        def counted(principal, enter=enter, family=family):
            ticket = enter(principal)
            if hasattr(ticket, "bucket"):
                counts[(family, principal)] += 1
            else:
                refusals[(family, ticket.body.decode()[:60])] += 1
            return ticket

        throttle.enter = counted
    return counts


def make_requests(tenant, jobs):
    """Scheduled single-app requests of the default environment's plain apps, spread over the Dataverse targets."""
    from django.contrib.auth import get_user_model

    from coe_portal.powerplatform.fake.catalog import CONNECTORS
    from inventory.models import App, Environment
    from migrations_app.models import MigrationRequest, RequestItem, Wave

    default = tenant.default_environment
    plain = [a.name for a in default.apps if a.live and not a.solution and a.kind == "canvas"
             and not any(c.is_custom for c in a.connectors)]
    apps = list(App.objects.filter(app_id__in=plain, deleted_at__isnull=True).order_by("pk")[:jobs])
    targets = list(Environment.objects.filter(is_default=False).exclude(dataverse_url=""))
    for target in targets:  # each maker has a connection in every target
        fake = tenant.environment(target.env_id)
        for connector in CONNECTORS:
            tenant.add_connection(fake, connector.name, default.apps[0].owner)
    user = get_user_model().objects.create_user("bench-admin")
    wave = Wave.objects.create(name="Bench wave", created_by=user)
    requests = MigrationRequest.objects.bulk_create(
        MigrationRequest(requested_by=user, target=targets[index % len(targets)], reason="bench", state="scheduled",
                         source_action="keep", wave=wave) for index in range(len(apps)))
    RequestItem.objects.bulk_create(RequestItem(request=r, app=a) for r, a in zip(requests, apps, strict=True))
    return wave, len(apps)


def bind_waiting():
    """Play the makers: bind every job waiting for connections to the first connection offered."""
    from django.db import transaction

    from migrations_app.models import MigrationJob
    from migrations_app.services.status import enqueue

    for job in MigrationJob.objects.filter(state="needs_input"):
        with transaction.atomic():
            job.provide_bindings({ref["logical_name"]: ref["choices"][0]["id"] for ref in job.connection_refs},
                                 "bench")
            enqueue(job)


def finished(total):
    from migrations_app.models import MigrationJob

    bind_waiting()
    return MigrationJob.objects.filter(state__in=("done", "failed")).count() >= total


def main():
    options = parse()
    env, tenant, servers, profile = setup(options)
    from django.db import transaction

    from inventory.models import SyncRun
    from inventory.services.sync import start_sync
    from migrations_app.models import MigrationJob
    from migrations_app.services.requests import do_start_wave

    if options.threads:
        workers = Workers(env, concurrency=options.threads, processes=options.workers, pool="threads")
    else:
        workers = Workers(env, concurrency=options.workers)
    try:
        run = start_sync("full")
        wait(lambda: SyncRun.objects.get(pk=run.pk).is_finished, workers, timeout=3600)
        wave, total = make_requests(tenant, options.jobs)
        counts = count_buckets(servers)
        throttled = sum(servers.stats()[f]["throttled"] for f in FAMILIES)
        started, cpu = time.monotonic(), {"worker": workers.cpu_seconds(), "fake": time.process_time()}
        with transaction.atomic():
            do_start_wave(wave)
        wait(lambda: finished(total), workers, timeout=4 * 3600, poll=0.2)
        seconds = time.monotonic() - started
        cpu = {"worker": workers.cpu_seconds() - cpu["worker"], "fake": time.process_time() - cpu["fake"]}
        throttled = sum(servers.stats()[f]["throttled"] for f in FAMILIES) - throttled
    finally:
        workers.stop()
        servers.stop()
    failed = MigrationJob.objects.filter(state="failed")
    for job in failed[:5]:
        print(f"job {job.pk} failed: {job.error}", file=sys.stderr)
    report(total, seconds, counts, profile, failed.count(), throttled, cpu)


def report(total, seconds, counts, profile, failed, throttled, cpu):
    min_seconds = max(1.0, max(least_seconds(count, profile) for count in counts.values()))
    busiest = max(counts, key=counts.get)
    print(f"busiest bucket {busiest}: {counts[busiest]} calls; {len(counts)} buckets", file=sys.stderr)
    for (family, body), count in counts.refusals.most_common(5):
        print(f"429 from {family} x{count}: {body}", file=sys.stderr)
    jobs_per_min, bound_per_min = total * 60 / seconds, total * 60 / min_seconds
    print(f"BENCH migrate jobs_per_min={jobs_per_min:.0f} bound_per_min={bound_per_min:.0f} "
          f"ratio={jobs_per_min / bound_per_min:.3f} jobs={total} seconds={seconds:.1f} "
          f"calls_per_job={sum(counts.values()) / total:.1f} min_seconds={min_seconds:.1f} failed={failed} "
          f"throttled={throttled} worker_cpu_s={cpu['worker']:.0f} fake_cpu_s={cpu['fake']:.0f}")


if __name__ == "__main__":
    main()
