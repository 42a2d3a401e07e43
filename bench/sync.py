"""Full and incremental sync of a generated tenant through Celery, against the throttle's bound.

Prints:
  BENCH sync seconds=S min_seconds=M ratio=S/M requests=R throttled=T rows_per_s=W peak_mb=P
        worker_cpu_s=C requests_per_worker_cpu_s=R/C fake_cpu_s=F
  BENCH sync_incremental requests=r full_requests=R ratio=r/R bound=0.05

M is the least time the fake's throttle allows for the requests the sync made, from its
quota Q per window W, execution budget X, concurrency C and latency L (performance.md, 2).
The CPU figures (worker processes: client, writes and Celery; this process: the fake tenant)
say more than seconds on a machine other work shares.
"""

import argparse
import math
import os
import sys
import time

from bench.support import Workers, bench_tenant, wait

FAMILIES = ("bap", "powerapps", "flow", "graph")


def least_seconds(requests, profile):
    """The least time a throttle lets `requests` through one bucket."""
    q, w, x, c, latency = profile["Q"], profile["W"], profile["X"], profile["C"], profile["L"]
    rate = min(q / w, (x / w) / latency if latency and x is not None else math.inf,
               c / latency if latency and c is not None else math.inf)
    if rate == q / w:
        return w * (math.ceil(requests / q) - 1)
    return requests / rate


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--environments", type=int, default=500)
    parser.add_argument("--apps", type=int, default=20_000)
    parser.add_argument("--flows", type=int, default=40_000)
    parser.add_argument("--profile", default="bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--change", type=float, default=0.01)
    parser.add_argument("--workers", type=int, default=4, help="Celery worker processes (as docker-compose runs)")
    return parser.parse_args()


def main():
    options = parse()
    env = dict(os.environ)
    tenant, servers, profile = bench_tenant(options, "coe_bench", env)
    from inventory.models import App, Flow, SyncRun
    from inventory.services.sync import start_sync

    workers = Workers(env, concurrency=options.workers)
    try:
        cpu = {"worker": workers.cpu_seconds(), "fake": time.process_time()}
        full = run_sync(start_sync, SyncRun, workers, "full")
        cpu = {"worker": workers.cpu_seconds() - cpu["worker"], "fake": time.process_time() - cpu["fake"]}
        full_stats = servers.stats()
        rows = App.objects.count() + Flow.objects.count()
        tenant.touch(options.change, seed=options.seed + 1)
        incremental = run_sync(start_sync, SyncRun, workers, "incremental")
    finally:
        workers.stop()
        servers.stop()
    report(full, incremental, full_stats, profile, rows, workers.peak_mb, cpu)


def run_sync(start_sync, SyncRun, workers, kind):  # noqa: N803  (the model class, passed in after setup)
    run = start_sync(kind)
    wait(lambda: SyncRun.objects.get(pk=run.pk).is_finished, workers, timeout=3 * 3600)
    run = SyncRun.objects.get(pk=run.pk)
    print(f"{kind} sync: {run.status} in {run.duration:.1f} s, {run.requests} requests, "
          f"{run.throttled} throttled, {len(run.errors)} errors, counts {run.counts}", file=sys.stderr)
    return run


def report(full, incremental, stats, profile, rows, peak_mb, cpu):
    served = {family: stats[family]["requests"] - stats[family]["throttled"] for family in FAMILIES}
    # A tenant small enough to fit one window has no throttle bound; report against 1 s then.
    bound = max(1.0, max(least_seconds(count, profile) for count in served.values()))
    seconds = full.duration
    print(f"BENCH sync seconds={seconds:.1f} min_seconds={bound:.1f} ratio={seconds / bound:.3f} "
          f"requests={full.requests} throttled={full.throttled} rows_per_s={rows / seconds:.0f} peak_mb={peak_mb:.0f} "
          f"worker_cpu_s={cpu['worker']:.0f} requests_per_worker_cpu_s={full.requests / max(cpu['worker'], 0.01):.0f} "
          f"fake_cpu_s={cpu['fake']:.0f}")
    ratio = incremental.requests / full.requests
    print(f"BENCH sync_incremental requests={incremental.requests} full_requests={full.requests} "
          f"ratio={ratio:.3f} bound=0.05")


if __name__ == "__main__":
    main()
