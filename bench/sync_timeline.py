"""`python -m bench.sync_timeline`: where the last `bench.sync` run spent its time.

Reads the SyncTask rows of the first run in the coe_bench database (each records when it was
created, started and finished) and prints, per 10-second bucket, the flow-detail calls made
(Flow quota use: a full window holds POWERPLATFORM_QUOTA_REQUESTS) and the tasks finished per
step; then per step the mean and longest queue wait and run time.
"""

import os

from bench.support import database_url

BY_BUCKET = """
SELECT floor(extract(epoch FROM t.finished - r.started) / 10) * 10 AS bucket, t.name, count(*),
       coalesce(sum(jsonb_array_length(t.args -> 'flows')), 0)
FROM inventory_synctask t JOIN inventory_syncrun r ON r.id = t.run_id
WHERE r.id = %s GROUP BY 1, 2 ORDER BY 1, 2
"""
BY_STEP = """
SELECT name, count(*), avg(extract(epoch FROM started - created)), max(extract(epoch FROM started - created)),
       avg(extract(epoch FROM finished - started)), max(extract(epoch FROM finished - started))
FROM inventory_synctask WHERE run_id = %s GROUP BY name ORDER BY name
"""


def main():
    os.environ["DATABASE_URL"] = database_url("coe_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coe_portal.settings")
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, extract(epoch FROM finished - started), requests FROM inventory_syncrun "
                       "ORDER BY id LIMIT 1")
        run_id, seconds, requests = cursor.fetchone()
        print(f"run {run_id}: {float(seconds):.1f} s, {requests} requests")
        cursor.execute(BY_BUCKET, [run_id])
        buckets = {}
        for bucket, name, tasks, flows in cursor.fetchall():
            buckets.setdefault(int(bucket), {})[name] = (tasks, flows)
        for bucket, steps in sorted(buckets.items()):
            details = steps.get("flow_details", (0, 0))[1]
            done = ", ".join(f"{name} {tasks}" for name, (tasks, _) in sorted(steps.items()))
            print(f"{bucket:4d}s  flow detail calls {details:5d}  tasks: {done}")
        cursor.execute(BY_STEP, [run_id])
        print(f"{'step':14} {'tasks':>6} {'wait_avg':>8} {'wait_max':>8} {'run_avg':>8} {'run_max':>8}")
        for name, tasks, *times in cursor.fetchall():
            print(f"{name:14} {tasks:6d} " + " ".join(f"{float(value or 0):8.2f}" for value in times))


if __name__ == "__main__":
    main()
