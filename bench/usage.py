"""The usage syncs (app launches, flow runs) of a large generated tenant through Celery, against the throttle's bound.

Prints:
  BENCH usage_sync seconds=S min_seconds=M ratio=S/M requests=R records=N records_per_worker_cpu_s=P
        worker_cpu_s=C fake_cpu_s=F

The inventory (environments, apps, flows, agents) is written straight from the generated tenant: the
inventory sync has its own benchmark (bench.sync). The launches run, then the runs run, each alone
(so each one's CPU is its own); S is their times added. M adds, for each run, the least time the
fake's throttle allows for the requests each API served (bench.sync.least_seconds), the largest
over the APIs. The audit feed is read over `--days` days of content (the real feed lists 7; the fake and the
portal are told to reach further, `USAGE_AUDIT_REACH_DAYS`). P: audit records read per second of
worker CPU (client, parsing, writes and Celery) during the launches run.
"""

import argparse
import os
import sys
import time
from datetime import UTC, datetime

from bench.support import Workers, bench_tenant, wait
from bench.sync import least_seconds

FAMILIES = ("manage", "flow", "dataverse", "ppapi")


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--environments", type=int, default=500)
    parser.add_argument("--apps", type=int, default=20_000)
    parser.add_argument("--flows", type=int, default=40_000)
    parser.add_argument("--days", type=int, default=30, help="days of audit content to read")
    parser.add_argument("--profile", default="bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4, help="Celery worker processes (as docker-compose runs)")
    parser.add_argument("--launches-only", action="store_true", help="only the launches run (its CPU per record)")
    return parser.parse_args()


def _moment(seconds):
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def seed_inventory(tenant):
    """Write the tenant's environments, apps, flows and agents as a sync would have left them."""
    from inventory.models import App, Bot, Environment, Flow

    environments = Environment.objects.bulk_create([
        Environment(env_id=env.name, display_name=env.display_name, is_default=env.is_default,
                    dataverse_url=(env.dataverse or {}).get("instanceUrl", "").rstrip("/"))
        for env in tenant.environments])
    by_name = {env.env_id: env for env in environments}
    App.objects.bulk_create([App(app_id=app.name, environment=by_name[env.name], display_name=app.display_name,
                                 created_time=_moment(app.created), modified_time=_moment(app.modified))
                             for env in tenant.environments for app in env.apps if app.live], batch_size=5000)
    Flow.objects.bulk_create([Flow(flow_id=flow.name, environment=by_name[env.name], display_name=flow.display_name,
                                   state=flow.state, is_solution_aware=bool(flow.workflow_id),
                                   created_time=_moment(flow.created), modified_time=_moment(flow.modified))
                              for env in tenant.environments for flow in env.flows if flow.live], batch_size=5000)
    Bot.objects.bulk_create([Bot(bot_id=row.row_id, environment=by_name[env.name], display_name=row.name)
                             for env in tenant.environments for row in env.tables.get("bots", [])])


def main():
    options = parse()
    env = dict(os.environ)
    from coe_portal.powerplatform.fake.api import UsageOptions

    # The inventory is written once the fake has pointed the orgs' URLs at itself.
    tenant, servers, profile = bench_tenant(options, "coe_bench_usage", env, after_start=seed_inventory,
                                            extra_settings={"USAGE_AUDIT_REACH_DAYS": options.days},
                                            usage=UsageOptions(feed_reach_days=options.days + 1))
    from inventory.choices import SyncKind
    from inventory.models import SyncRun
    from inventory.services.sync import start_sync

    workers = Workers(env, concurrency=options.workers)
    phases = []
    try:
        for kind in (SyncKind.USAGE_AUDIT,) if options.launches_only else (SyncKind.USAGE_AUDIT, SyncKind.USAGE_RUNS):
            phases.append(run_phase(kind, start_sync, SyncRun, workers, servers, profile))
    finally:
        workers.stop()
        servers.stop()
    audit, runs = phases if len(phases) == 2 else (phases[0], {"seconds": 0, "bound": 0, "requests": 0,
                                                               "worker_cpu": 0, "fake_cpu": 0})
    records = audit["counts"]["audit"]["records"]
    runs_read = runs.get("counts", {}).get("runs", {}).get("runs_30_days", 0)  # a first read: every run is new
    seconds, bound = audit["seconds"] + runs["seconds"], audit["bound"] + runs["bound"]
    print(f"BENCH usage_sync seconds={seconds:.1f} min_seconds={bound:.1f} ratio={seconds / bound:.3f} "
          f"requests={audit['requests'] + runs['requests']} records={records} "
          f"records_per_worker_cpu_s={records / max(audit['worker_cpu'], 0.01):.0f} "
          f"audit_seconds={audit['seconds']:.1f} audit_min_seconds={audit['bound']:.1f} "
          f"runs_seconds={runs['seconds']:.1f} runs_min_seconds={runs['bound']:.1f} "
          f"worker_cpu_s={audit['worker_cpu'] + runs['worker_cpu']:.0f} "
          f"fake_cpu_s={audit['fake_cpu'] + runs['fake_cpu']:.0f} "
          f"runs_read={runs_read} runs_worker_cpu_us={runs['worker_cpu'] / max(runs_read, 1) * 1e6:.1f} "
          f"runs_fake_cpu_us={runs['fake_cpu'] / max(runs_read, 1) * 1e6:.1f}")


def run_phase(kind, start_sync, SyncRun, workers, servers, profile):  # noqa: N803  (model class passed in after setup)
    """Run one usage sync alone; its time, the throttle's bound for what it asked, and the CPU it took."""
    before = {"worker": workers.cpu_seconds(), "fake": time.process_time(), "stats": servers.stats()}
    clock = time.monotonic()
    run = start_sync(kind)
    wait(lambda: SyncRun.objects.get(pk=run.pk).is_finished, workers, timeout=3 * 3600)
    seconds = time.monotonic() - clock
    run, stats = SyncRun.objects.get(pk=run.pk), servers.stats()
    print(f"{run.get_kind_display()}: {run.status} in {run.duration:.1f} s, {run.requests} requests, "
          f"{run.throttled} throttled, {len(run.errors)} errors {run.errors[:2]}, counts {run.counts}",
          file=sys.stderr)
    served = {family: (stats[family]["requests"] - stats[family]["throttled"])
              - (before["stats"][family]["requests"] - before["stats"][family]["throttled"]) for family in FAMILIES}
    # The audit feed's throttle counts requests only (fake.routes_manage.ManageThrottle).
    rate_only = {**profile, "X": None, "C": None}
    bound = max(least_seconds(count, rate_only if family == "manage" else profile) for family, count in served.items())
    return {"seconds": seconds, "bound": max(1.0, bound),
            "requests": run.requests, "counts": run.counts, "worker_cpu": workers.cpu_seconds() - before["worker"],
            "fake_cpu": time.process_time() - before["fake"]}


if __name__ == "__main__":
    main()
