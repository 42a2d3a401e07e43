"""The triage pages at 300,000 apps and flows, under gunicorn, with 20 concurrent clients.

Prints:
  BENCH web p50_ms=.. p95_ms=.. bound_ms=100 ratio=p95/100 requests=N errors=E
  BENCH bulk_tag items=10000 seconds=..
  BENCH dashboard p50_ms=.. p95_ms=.. bound_ms=200 ratio=p95/200 (a year of daily snapshots)

Rows are loaded with COPY (coe_portal/core/bulk.py); the clients loop without pause over
filtered, sorted list pages and item detail pages, signed in as a CoE admin.
"""

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests

from bench.support import ROOT, database_exists, database_url, fresh_database, manage

BOUND_MS = 100
DASHBOARD_BOUND_MS = 200


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=300_000, help="apps + flows, half each")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database of an earlier run")
    parser.add_argument("--profile", action="store_true",
                        help="no HTTP load: CPU per request in-process, per URL kind (bench/web_profile.py)")
    parser.add_argument("--repeat", type=int, default=30, help="requests per URL in --profile mode")
    parser.add_argument("--floor", action="store_true",
                        help="also load /healthz and a cached signed-in page the same way: what the machine gives "
                             "pages that cost (next to) nothing")
    return parser.parse_args()


def load(items):
    """COPY environments, makers, connectors, tags, apps, flows, usages and tag links."""
    from django.db import connection, transaction
    from django.utils import timezone

    from coe_portal.core.bulk import copy_rows

    rng = random.Random(7)
    now = timezone.now()
    half = items // 2
    makers = max(1, items // 30)
    with transaction.atomic():
        copy_rows("inventory_environment", ["env_id", "display_name", "environment_type", "region", "azure_region",
                                            "is_default", "is_managed", "dataverse_url"],
                  [(f"Default-{uuid.uuid4()}" if n == 0 else str(uuid.uuid4()), f"Env {n}",
                    "Default" if n == 0 else "Production", "europe", "", n == 0, False, "") for n in range(20)])
        copy_rows("inventory_maker", ["entra_object_id", "display_name", "email", "department", "location"],
                  [(str(uuid.uuid4()), f"Maker {n}", f"maker{n}@contoso.example", f"Dept {n % 40}", f"City {n % 12}")
                   for n in range(makers)])
        copy_rows("inventory_tag", ["name", "slug", "colour", "description"],
                  [(f"Tag {n}", f"tag-{n}", "#0f6cbd", "") for n in range(20)])
        copy_rows("inventory_connector", ["connector_id", "display_name", "tier", "is_custom"],
                  [(f"shared_conn{n}", f"Connector {n}", "standard", n % 10 == 0) for n in range(50)])
        with connection.cursor() as cursor:
            ids = {}
            for table in ("inventory_environment", "inventory_maker", "inventory_tag", "inventory_connector"):
                cursor.execute(f"SELECT min(id), max(id) FROM {table}")
                ids[table] = cursor.fetchone()
        env_lo, env_hi = ids["inventory_environment"]
        maker_lo, maker_hi = ids["inventory_maker"]

        def stamp():
            return now - timedelta(days=rng.randint(0, 900), seconds=rng.randint(0, 86400))

        copy_rows("inventory_app", ["app_id", "environment_id", "display_name", "kind", "owner_id", "modified_time",
                                    "last_launched_time", "shared_users_count", "shared_groups_count",
                                    "is_solution_aware", "open_url", "quarantine_status", "uses_premium",
                                    "uses_custom_connector", "uses_excel", "uses_sharepoint_list", "data_sources"],
                  [(str(uuid.uuid4()), env_lo if rng.random() < 0.6 else rng.randint(env_lo, env_hi),
                    f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}", "canvas", rng.randint(maker_lo, maker_hi), stamp(),
                    stamp(), int(rng.paretovariate(1.2)) - 1, 0, rng.random() < 0.2, "", "", False,
                    rng.random() < 0.03, rng.random() < 0.1, rng.random() < 0.2, [])
                   for n in range(half)])
        copy_rows("inventory_flow", ["flow_id", "environment_id", "display_name", "state", "suspension_reason",
                                     "is_solution_aware", "creator_id", "modified_time"],
                  [(str(uuid.uuid4()), env_lo if rng.random() < 0.6 else rng.randint(env_lo, env_hi),
                    f"{rng.choice(WORDS)} flow {n}", "Stopped" if rng.random() < 0.1 else "Started", "",
                    rng.random() < 0.2, rng.randint(maker_lo, maker_hi), stamp()) for n in range(items - half)])
        with connection.cursor() as cursor:
            tag_lo, tag_hi = ids["inventory_tag"]
            conn_lo, conn_hi = ids["inventory_connector"]
            for kind in ("app", "flow"):
                cursor.execute(f"INSERT INTO inventory_{kind}_tags ({kind}_id, tag_id) SELECT id, "
                               f"{tag_lo} + (id % ({tag_hi - tag_lo + 1})) FROM inventory_{kind} WHERE id % 7 = 0")
                cursor.execute("INSERT INTO inventory_connectorusage "
                               f"({kind}_id, connector_id, connection_id, is_implicitly_shared, data_sources) "
                               f"SELECT id, {conn_lo} + (id % ({conn_hi - conn_lo + 1})), '', false, '[]' "
                               f"FROM inventory_{kind}")
            cursor.execute("ANALYZE")


WORDS = ("Budget", "Expense", "Travel", "Leave", "Onboarding", "Asset", "Invoice", "Survey", "Timesheet", "Ticket")


def admin_session():
    """A session cookie for a CoE admin, made the way Django's login makes one."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    from coe_portal.core.choices import Role
    from coe_portal.core.permissions import set_roles

    users = get_user_model().objects
    user = users.filter(username="bench-admin").first() or users.create_user("bench-admin", "bench@contoso.example",
                                                                            "bench-password-123")
    set_roles(user, [Role.COE_ADMIN])
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def urls():
    from inventory.models import App, Environment, Flow

    default = Environment.objects.get(is_default=True).pk
    app_ids = list(App.objects.order_by("?").values_list("pk", flat=True)[:500])
    flow_ids = list(Flow.objects.order_by("?").values_list("pk", flat=True)[:500])
    lists = ["/inventory/apps/", "/inventory/apps/?sort=-modified_time",
             f"/inventory/apps/?environment={default}&sort=-modified_time", "/inventory/apps/?shared_min=50",
             "/inventory/apps/?shared_min=20&sort=-shared_users_count", "/inventory/apps/?tag=tag-3",
             "/inventory/apps/?department=Dept+7", "/inventory/flows/?state=Stopped&sort=-modified_time",
             f"/inventory/flows/?environment={default}", "/inventory/flows/?tag=tag-5&sort=display_name",
             "/inventory/apps/?page=5", "/inventory/flows/?recommendation=quarantine"]
    details = [f"/inventory/apps/{pk}/" for pk in app_ids] + [f"/inventory/flows/{pk}/" for pk in flow_ids]
    return lists, details


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(env, workers):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "coe_portal.wsgi", "-b", f"127.0.0.1:{port}",
                                "-w", str(workers), "--log-level", "warning"], cwd=ROOT, env=env,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(f"{base}/healthz", timeout=10)
            return process, base
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def hammer(base, cookie, lists, details, clients, seconds):
    deadline = time.monotonic() + seconds
    errors = []

    def client(number):
        rng = random.Random(number)
        session = requests.Session()
        session.cookies.set("sessionid", cookie)
        timings = []
        while time.monotonic() < deadline:
            path = rng.choice(lists) if rng.random() < 0.6 else rng.choice(details)
            started = time.perf_counter()
            response = session.get(base + path, timeout=60, allow_redirects=False)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                errors.append(f"{response.status_code} {path}")
        return timings

    with ThreadPoolExecutor(clients) as pool:
        timings = [t for result in pool.map(client, range(clients)) for t in result]
    return timings, errors


def bulk_tag_seconds():
    from django.db import transaction

    from inventory.models import App, Tag
    from inventory.services.tags import bulk_tag

    tag, _ = Tag.objects.get_or_create(name="Bench bulk", slug="bench-bulk")
    tag.apps.clear()  # a --reuse run tags the same items again
    first = App.objects.order_by("pk").values_list("pk", flat=True).first()
    selection = App.objects.filter(pk__gte=first, pk__lt=first + 10_000)
    started = time.perf_counter()
    with transaction.atomic():
        changed = bulk_tag(selection, tag)
    seconds = time.perf_counter() - started
    assert changed == 10_000, changed
    return seconds


def year_of_snapshots():
    """Take today's snapshot at full size, then copy it to the 364 days before: a year of history."""
    from django.db import connection

    from coe_portal.dashboards.snapshots import take_snapshot

    started = time.monotonic()
    take_snapshot()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO dashboards_snapshot (day, department, figures, breakdowns, taken_at, points) "
                       "SELECT s.day - d, s.department, s.figures, s.breakdowns, s.taken_at, s.points "
                       "FROM dashboards_snapshot s, generate_series(1, 364) d")
    return time.monotonic() - started


def dashboard_urls():
    return ["/progress/", "/progress/?period=365", "/progress/?period=30", "/progress/?department=Dept+7",
            "/progress/?period=365&department=Dept+3"]


def floor(base, cookie, options):
    """Print (stderr) the latency of the cheapest pages under the same load: what is not the pages' own cost."""
    for path in ("/healthz", "/progress/"):
        timings, _ = hammer(base, cookie, [path], [path], options.clients, options.seconds / 3)
        timings.sort()
        print(f"floor {path}: p50_ms={statistics.median(timings):.0f} p95_ms={timings[int(len(timings) * 0.95)]:.0f} "
              f"requests_per_s={len(timings) / (options.seconds / 3):.0f}", file=sys.stderr)


def prepare(options):
    """A migrated database with the items, recommendations and a year of snapshots; Django set up."""
    reuse = options.reuse and database_exists("coe_bench_web")
    os.environ["DATABASE_URL"] = database_url("coe_bench_web") if reuse else fresh_database("coe_bench_web")
    env = {**os.environ, "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    manage(env, "migrate", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coe_portal.settings")
    django.setup()
    from inventory.models import App
    from inventory.services import recommendations

    if reuse and App.objects.exists():
        print("reusing the loaded database coe_bench_web", file=sys.stderr)
        return env
    started = time.monotonic()
    load(options.items)
    print(f"loaded {options.items} items in {time.monotonic() - started:.1f} s", file=sys.stderr)
    started = time.monotonic()
    print(f"recommendations {recommendations.recompute()} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    print(f"a year of dashboard snapshots in {year_of_snapshots():.1f} s", file=sys.stderr)
    return env


def main():
    options = parse()
    if options.profile:
        # The connection options of the web server (wsgi.py): without them PostgreSQL may run a page's
        # query in parallel workers, whose CPU the profile does not see.
        os.environ["COE_WEB_DATABASE_OPTIONS"] = "1"
    env = prepare(options)
    cookie = admin_session()
    lists, details = urls()
    if options.profile:
        from bench.web_profile import profile

        profile(cookie, lists, details, dashboard_urls(), options.repeat)
        return
    process, base = serve(env, options.workers)
    try:
        hammer(base, cookie, lists, details, options.clients, 5)  # warm up
        timings, errors = hammer(base, cookie, lists, details, options.clients, options.seconds)
        boards = dashboard_urls()
        board_timings, board_errors = hammer(base, cookie, boards, boards, options.clients, options.seconds / 2)
        if options.floor:
            floor(base, cookie, options)
    finally:
        os.killpg(process.pid, 15)
        process.wait(30)
    board_timings.sort()
    board_p95 = board_timings[int(len(board_timings) * 0.95)]
    print(f"BENCH dashboard p50_ms={statistics.median(board_timings):.0f} p95_ms={board_p95:.0f} "
          f"bound_ms={DASHBOARD_BOUND_MS} ratio={board_p95 / DASHBOARD_BOUND_MS:.2f} requests={len(board_timings)} "
          f"errors={len(board_errors)}")
    if errors:
        print(f"errors: {errors[:5]}", file=sys.stderr)
    timings.sort()
    p50, p95 = statistics.median(timings), timings[int(len(timings) * 0.95)]
    print(f"BENCH web p50_ms={p50:.0f} p95_ms={p95:.0f} bound_ms={BOUND_MS} ratio={p95 / BOUND_MS:.2f} "
          f"requests={len(timings)} errors={len(errors)}")
    print(f"BENCH bulk_tag items=10000 seconds={bulk_tag_seconds():.2f}")

if __name__ == "__main__":
    main()
