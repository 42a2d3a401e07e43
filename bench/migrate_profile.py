"""`python -m bench.migrate_profile [--jobs 60]`: what one migration job costs, in queries and tenant calls.

Builds the same world as bench.migrate (fresh database, fake tenant under the `bench` profile, a
synced inventory, a wave of single-app requests), then runs the jobs in this process, as a worker
would (a first run to "needs input", the connections picked, a second run to the end), and prints
per job: the CPU this process spent (the fake's share included), the SQL statements by the code
that sent them, and the tenant calls by method and path. Not a benchmark with a bound: it is where
to look before changing the pipeline, then measure with bench.migrate.
"""

import argparse
import re
import time
import traceback
from collections import Counter

from bench import migrate
from bench.support import ROOT, Workers, wait

OWN_CODE = str(ROOT) + "/"


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--top", type=int, default=30, help="lines of each table")
    return parser.parse_args()


def _sender():
    """'function:line < caller:line' of the project code that sent the statement being run."""
    frames = [f for f in traceback.extract_stack()[:-2]
              if f.filename.startswith(OWN_CODE) and "/.venv/" not in f.filename and "/bench/" not in f.filename]
    return " < ".join(f"{f.name}:{f.lineno}" for f in reversed(frames[-3:])) or "?"


def _call_key(method, url):
    path = re.sub(r"https://[^/]+", "", url.split("?")[0])
    return f"{method} {re.sub(r'[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}', 'ID', path)}"


def main():
    options = parse()
    env, tenant, servers, _ = migrate.setup(argparse.Namespace(jobs=options.jobs, profile="bench", seed=1))
    from django.db import connection, transaction

    from coe_portal.powerplatform.transport import Transport
    from inventory.models import SyncRun
    from inventory.services.sync import start_sync
    from migrations_app.models import MigrationJob
    from migrations_app.services.pipeline import runner
    from migrations_app.services.requests import do_start_wave

    workers = Workers(env, concurrency=2)
    try:
        run = start_sync("full")
        wait(lambda: SyncRun.objects.get(pk=run.pk).is_finished, workers, timeout=3600)
    finally:
        workers.stop()
    wave, total = migrate.make_requests(tenant, options.jobs)
    with transaction.atomic():
        do_start_wave(wave)
    ids = list(MigrationJob.objects.order_by("pk").values_list("pk", flat=True))

    statements, calls, send = Counter(), Counter(), Transport._send

    def counted_send(self, method, url, *args, **kwargs):
        calls[_call_key(method, url)] += 1
        return send(self, method, url, *args, **kwargs)

    def counted_statement(execute, sql, params, many, context):
        statements[_sender()] += 1
        return execute(sql, params, many, context)

    Transport._send = counted_send
    started = time.process_time()
    try:
        with connection.execute_wrapper(counted_statement):
            for _ in range(2):  # to "needs input", then (connections picked) to the end
                for job_id in ids:
                    while runner.run(job_id) == runner.POLL:  # an export the fake still makes
                        pass
                migrate.bind_waiting()
    finally:
        Transport._send = send
        servers.stop()
    cpu_ms = (time.process_time() - started) * 1000 / total
    done = MigrationJob.objects.filter(state="done").count()
    print(f"jobs={total} done={done} cpu_ms_per_job={cpu_ms:.1f} (fake included) "
          f"statements_per_job={sum(statements.values()) / total:.1f} calls_per_job={sum(calls.values()) / total:.1f}")
    print("\nstatements per job, by the code that sent them (the maker's picks included):")
    for sender, count in statements.most_common(options.top):
        print(f"{count / total:6.2f}  {sender}")
    print("\ntenant calls per job:")
    for call, count in calls.most_common(options.top):
        print(f"{count / total:6.2f}  {call}")


if __name__ == "__main__":
    main()
