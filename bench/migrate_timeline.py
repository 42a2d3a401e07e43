"""`python -m bench.migrate_timeline`: where the last `bench.migrate` run's jobs spent their time.

Reads the MigrationJob rows of the coe_bench_migrate database (each step records when it started
and finished) and prints per step the median and mean run time and the gap before it (time in
the queue), then how many jobs started and finished in each 10-second bucket. A step that waits
for a person (connections) runs until the bench's "maker" picks, so its time is mostly that wait.
"""

import os
import statistics
from collections import Counter
from datetime import datetime


def _times(job, steps):
    """[(step, started, finished)] of the job's recorded steps, in order."""
    found = []
    for step in steps:
        record = job.steps.get(step, {})
        if record.get("started") and record.get("finished"):
            found.append((step, datetime.fromisoformat(record["started"]), datetime.fromisoformat(record["finished"])))
    return found


def main():
    from bench.support import database_url

    os.environ["DATABASE_URL"] = database_url("coe_bench_migrate")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coe_portal.settings")
    import django

    django.setup()
    from migrations_app.models import MigrationJob
    from migrations_app.models.jobs import STEPS

    jobs = list(MigrationJob.objects.exclude(started=None).exclude(finished=None))
    if not jobs:
        print("no finished jobs in coe_bench_migrate: run python -m bench.migrate first")
        return
    runs, gaps = {step: [] for step in STEPS}, {step: [] for step in STEPS}
    for job in jobs:
        previous = None
        for step, started, finished in _times(job, STEPS):
            runs[step].append((finished - started).total_seconds() * 1000)
            if previous:
                gaps[step].append((started - previous).total_seconds() * 1000)
            previous = finished
    print(f"{'step':12} {'run p50 ms':>11} {'run mean':>9} {'gap p50':>8} {'gap mean':>9}")
    for step in STEPS:
        if runs[step]:
            gap = gaps[step] or [0.0]
            print(f"{step:12} {statistics.median(runs[step]):11.1f} {statistics.fmean(runs[step]):9.1f} "
                  f"{statistics.median(gap):8.1f} {statistics.fmean(gap):9.1f}")
    first = min(job.started for job in jobs)
    for label, moment in (("started", "started"), ("finished", "finished")):
        buckets = Counter(int((getattr(job, moment) - first).total_seconds() // 10) for job in jobs)
        print(f"jobs {label} per 10 s:", [buckets[index] for index in range(max(buckets) + 1)])


if __name__ == "__main__":
    main()
