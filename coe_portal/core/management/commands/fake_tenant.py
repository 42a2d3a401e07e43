"""Serve a generated Power Platform tenant from the local fake until SIGINT or SIGTERM.

    python manage.py fake_tenant serve --environments 12 --apps 400 --flows 800 --seed 7 \\
        --throttle fast --settings-file var/fake-tenant.json

Prints the settings that point the portal at it (NAME=value lines) and, with --settings-file,
writes them as JSON once every server listens; the demo launcher waits for that file.
"""

import json
import os
import signal
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coe_portal.powerplatform.fake.api import start_fake_tenant
from coe_portal.powerplatform.fake.faults import parse_spec
from coe_portal.powerplatform.fake.tenant import FakeTenant
from coe_portal.powerplatform.fake.throttle import PROFILES

DEMO_CLIENT_ID = "c0e0de00-0000-4000-8000-00000000de70"
DEMO_CLIENT_SECRET = "fake-tenant-demo-secret"


class Command(BaseCommand):
    """manage.py fake_tenant serve: run the fake until SIGINT or SIGTERM."""

    help = "Serve a generated fake tenant (BAP, Power Apps, Flow, Graph and sign-in) on loopback HTTPS."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["serve"])
        parser.add_argument("--port", type=int, default=0,
                            help="first of eight consecutive ports (identity, BAP, Power Apps, Flow, Graph, Dataverse, "
                                 "Management Activity API, Power Platform API); 0 picks free ports")
        parser.add_argument("--environments", type=int, default=5)
        parser.add_argument("--apps", type=int, default=200)
        parser.add_argument("--flows", type=int, default=400)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--throttle", default="none", choices=sorted(PROFILES))
        parser.add_argument("--faults", default="", help='e.g. "5xx=0.05,slow=0.01,malformed=0.01"')
        parser.add_argument("--tls-dir", default=None, help="where the CA and certificate live (var/fake-tls)")
        parser.add_argument("--client-id", default=DEMO_CLIENT_ID)
        parser.add_argument("--client-secret", default=DEMO_CLIENT_SECRET)
        parser.add_argument("--settings-file", default=None, help="write the portal's settings here as JSON")

    def handle(self, *args, **options):
        try:
            parse_spec(options["faults"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        started = time.monotonic()
        tenant = FakeTenant(seed=options["seed"], environments=options["environments"], apps=options["apps"],
                            flows=options["flows"])
        tls_dir = Path(options["tls_dir"] or settings.VAR_DIR / "fake-tls")
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        servers = start_fake_tenant(tenant, tls_dir, options["client_id"], options["client_secret"],
                                    throttle=options["throttle"], faults=options["faults"],
                                    base_port=options["port"])
        settings_file = Path(options["settings_file"]) if options["settings_file"] else None
        try:
            values = servers.settings()
            self.stdout.write(f"Fake tenant {tenant.tenant_id}: {len(tenant.environments)} environments, "
                              f"{len(tenant.apps)} apps, {len(tenant.flows)} flows, throttle {options['throttle']}, "
                              f"ready in {time.monotonic() - started:.1f} s")
            for name, value in values.items():
                self.stdout.write(f"{name}={value}")
            self.stdout.flush()
            if settings_file:
                write_atomically(settings_file, json.dumps(values, indent=2))
            while not stop.wait(0.5):
                pass
            self.stdout.write(f"Stopping; requests served: {json.dumps(servers.stats())}")
        finally:
            servers.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if settings_file:
                settings_file.unlink(missing_ok=True)


def write_atomically(path, text):
    """Write `text` to `path` so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(text)
    partial.chmod(0o600)
    partial.replace(path)
