"""`python -m bench.web --profile`: CPU per request of each page kind, in-process, no HTTP load.

The machine is shared, so wall time under load says little; CPU time does. For each URL the
Django WSGI handler (every middleware, the session, the template) answers `repeat` requests
signed in as a CoE admin; the line shows the median wall time, the Python CPU per request and
the PostgreSQL backend's CPU per request (read from /proc), and the number of queries. The
database connection has the web server's options (bench.web sets COE_WEB_DATABASE_OPTIONS): no
parallel workers, so the backend's CPU is all of PostgreSQL's.

"""

import os
import statistics
import sys
import time

__all__ = ["profile"]

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid):
    """User + system CPU seconds the PostgreSQL backend `pid` has used."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def backend_pid():
    from django.db import connection

    return connection.connection.info.backend_pid if connection.connection else None


def measure(client, path, repeat):
    """(median wall ms, Python CPU ms, PostgreSQL CPU ms, queries) per request of `path`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm caches, compiled templates and the connection
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    count = len(queries)
    pid = backend_pid()
    pg_before = backend_cpu(pid)
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(path)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu_started) * 1000)
    # Medians: on a shared machine a few requests are slowed by other processes' cache misses.
    cpu = statistics.median(cpus)
    pg = (backend_cpu(pid) - pg_before) * 1000 / repeat if pid == backend_pid() else float("nan")
    return statistics.median(walls), cpu, pg, count


def profile(cookie, lists, details, boards, repeat):
    """Print one line per URL kind, then the mean over list pages, detail pages and dashboards."""
    from django.core.signals import request_started
    from django.db import reset_queries
    from django.test import Client

    request_started.disconnect(reset_queries)  # so the query capture sees the whole request
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = cookie
    groups = {"list": lists, "detail": details[:5] + details[-5:], "dashboard": boards}
    print(f"{'url':60} {'wall_ms':>8} {'py_cpu':>7} {'pg_cpu':>7} {'queries':>7}")
    for group, paths in groups.items():
        if not paths:
            continue
        rows = []
        for path in paths:
            wall, cpu, pg, queries = measure(client, path, repeat if group != "detail" else max(repeat // 3, 3))
            rows.append((wall, cpu, pg))
            print(f"{path[:60]:60} {wall:8.1f} {cpu:7.1f} {pg:7.1f} {queries:7d}")
        means = [statistics.fmean(column) for column in zip(*rows, strict=True)]
        print(f"PROFILE {group} wall_ms={means[0]:.1f} py_cpu_ms={means[1]:.1f} pg_cpu_ms={means[2]:.1f} "
              f"cpu_ms={means[1] + means[2]:.1f}", flush=True)
    sys.stdout.flush()
