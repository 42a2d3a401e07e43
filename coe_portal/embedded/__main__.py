"""The embedded mode: `python -m coe_portal.embedded demo` or `... run -- COMMAND`.

`demo` starts PostgreSQL and Redis (unless DATABASE_URL / REDIS_URL point elsewhere),
prepares the database, then runs the web server, a Celery worker and Celery beat until
Ctrl-C, which stops every one of them. `run` gives COMMAND (the test suite) a database
server and a throwaway Redis of its own.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .services import free_port, start_postgres, start_redis
from .supervisor import Supervisor

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.getenv("COE_VAR_DIR", BASE_DIR / "var"))
PYTHON = sys.executable


class Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def say(message):
    print(f"[embedded] {message}", flush=True)


def manage(env, *args):
    subprocess.run([PYTHON, str(BASE_DIR / "manage.py"), *args], env=env, check=True, cwd=BASE_DIR)


def wait_for_http(url, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the web server exited during start-up")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def start_fake_tenant(supervisor, env):
    """Serve the demo tenant from the local fake and point the portal's settings at it."""
    settings_file = VAR_DIR / "fake-tenant.json"
    settings_file.unlink(missing_ok=True)
    fake = supervisor.start("fake tenant", [
        PYTHON, str(BASE_DIR / "manage.py"), "fake_tenant", "serve", "--environments", "12", "--apps", "400",
        "--flows", "800", "--seed", "7", "--throttle", "fast", "--tls-dir", str(VAR_DIR / "fake-tls"),
        "--settings-file", str(settings_file)], env=env, cwd=BASE_DIR, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not settings_file.exists():
        if fake.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the fake tenant did not start")
        time.sleep(0.1)
    env.update({name: str(value) for name, value in json.loads(settings_file.read_text()).items()})
    say(f"Fake tenant serving at {env['POWERPLATFORM_BAP_URL']} (and the next ports)")


def services(supervisor, env, redis_port, persist):
    """Start the database and Redis unless the environment names servers; return pg handle."""
    pg = None
    if not env.get("DATABASE_URL"):
        pg, env["DATABASE_URL"] = start_postgres(VAR_DIR / "pgdata", "coe_portal")
        say("PostgreSQL (embedded) ready")
    if not env.get("REDIS_URL"):
        data_dir = VAR_DIR / "redis" if persist else Path(tempfile.mkdtemp(prefix="redis-", dir=VAR_DIR))
        spawn = lambda args: supervisor.start("redis", args)  # noqa: E731
        _, env["REDIS_URL"] = start_redis(data_dir, redis_port, spawn=spawn, persist=persist)
        say(f"Redis (embedded) ready on port {redis_port}")
    return pg


def embedded_env():
    """The environment of the demo and test runs: plain http, and a secret key of their own under var/."""
    env = dict(os.environ, COE_EMBEDDED="true")
    if not (env.get("SECRET_KEY") or env.get("SECRET_KEY_FILE")):
        env["SECRET_KEY_FILE"] = str(ensure_secret_key(VAR_DIR / "secret_key"))
    return env


def ensure_secret_key(path):
    """Generate a random key into `path` once (owner-only); later runs reuse it, so sessions survive."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50))
    return path


def demo(options):
    started = time.monotonic()
    supervisor, env, pg = Supervisor(), embedded_env(), None
    env.setdefault("DJANGO_SETTINGS_MODULE", "coe_portal.settings")
    url = f"http://127.0.0.1:{options.port}/"
    env.setdefault("SITE_URL", url.rstrip("/"))
    try:
        pg = services(supervisor, env, int(os.getenv("COE_EMBEDDED_REDIS_PORT", "6390")), persist=True)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        if not env.get("ENTRA_TENANT_ID"):
            start_fake_tenant(supervisor, env)
        web = supervisor.start("web", [PYTHON, "-m", "gunicorn", "coe_portal.wsgi", "-b", f"127.0.0.1:{options.port}",
                                       "-w", "2", "--access-logfile", "-",
                                       "--logger-class", "coe_portal.core.logging.RedactingGunicornLogger"],
                           env=env, cwd=BASE_DIR)
        supervisor.start("worker", [PYTHON, "-m", "celery", "-A", "coe_portal", "worker", "-c", "4", "-n", "worker@%h",
                                    "-l", "info"], env=env, cwd=BASE_DIR)
        supervisor.start("migration-worker", [PYTHON, "-m", "celery", "-A", "coe_portal", "worker", "-Q", "migrations",
                                              "-P", "threads", "-c", "8", "-n", "migrations@%h", "-l", "info"],
                         env=env, cwd=BASE_DIR)
        supervisor.start("beat", [PYTHON, "-m", "celery", "-A", "coe_portal", "beat", "-l", "info",
                                  "-s", str(VAR_DIR / "celerybeat-schedule")], env=env, cwd=BASE_DIR)
        wait_for_http(url + "healthz", web)
        manage(env, "sync_inventory", "--timeout", "300")
        manage(env, "sync_usage", "--timeout", "300")
        manage(env, "take_snapshot")
        manage(env, "demo_users")
        say(f"CoE Portal is ready at {url} ({time.monotonic() - started:.1f} s). Press Ctrl-C to stop.")
        while (name := supervisor.first_exited()) is None:
            time.sleep(0.5)
        say(f"{name} exited; stopping the rest")
        return 1
    except Stop as stop:
        say(f"{stop}: stopping")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        supervisor.stop()
        if pg is not None:
            pg.cleanup()
        say("stopped")


def run(options):
    supervisor, env, pg = Supervisor(), embedded_env(), None
    try:
        pg = services(supervisor, env, free_port(), persist=False)
        return subprocess.run(options.command, env=env, cwd=BASE_DIR).returncode
    except Stop:
        return 130
    finally:
        supervisor.stop()
        if pg is not None:
            pg.cleanup()
        for leftover in VAR_DIR.glob("redis-*"):
            shutil.rmtree(leftover, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(prog="python -m coe_portal.embedded")
    commands = parser.add_subparsers(dest="action", required=True)
    demo_parser = commands.add_parser("demo", help="run the whole portal")
    demo_parser.add_argument("--port", type=int, default=int(os.getenv("PORT", "8000")))
    run_parser = commands.add_parser("run", help="run a command with a database and Redis")
    run_parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    if options.action == "run" and options.command[:1] == ["--"]:
        options.command = options.command[1:]
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    sys.exit(demo(options) if options.action == "demo" else run(options))


if __name__ == "__main__":
    main()
