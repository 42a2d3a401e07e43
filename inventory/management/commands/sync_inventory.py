"""Sync the inventory from the tenant and print a summary (JSON with --json)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from coe_portal.celery import app as celery_app
from inventory.choices import SyncKind, SyncStatus
from inventory.models import SyncRun
from inventory.services import sync


def summary(run):
    return {"run": run.pk, "kind": run.kind, "status": run.status, "seconds": round(run.duration, 2),
            "requests": run.requests, "throttled": run.throttled, "retries": run.retries, "counts": run.counts,
            "errors": run.errors}


class Command(BaseCommand):
    help = "Sync environments, apps, flows, connectors and makers from the tenant."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="re-read every flow's details, not only changed ones")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument("--inline", action="store_true",
                            help="do the work in this process instead of the Celery workers")
        parser.add_argument("--timeout", type=float, default=3 * 3600)

    def handle(self, *args, **options):
        first = not SyncRun.objects.filter(status__in=[SyncStatus.COMPLETED, SyncStatus.COMPLETED_WITH_ERRORS]).exists()
        kind = SyncKind.FULL if options["full"] or first else SyncKind.INCREMENTAL
        run = sync.start_sync(kind)
        inline = options["inline"] or not celery_app.control.ping(timeout=1.0)
        if inline:
            self.stderr.write("No Celery worker answered: syncing in this process.")
        def progress(run):
            if not options["json"]:
                self.stderr.write(f"\r{run.percent:3d}% ({run.tasks_done}/{run.tasks_total} tasks)", ending="")

        try:
            run = sync.drive(run, inline, options["timeout"], progress)
        except sync.StillRunning as exc:
            raise CommandError(str(exc)) from None
        result = summary(run)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stderr.write("")
            self.stdout.write(f"Sync #{run.pk} {run.get_status_display().lower()} in {result['seconds']} s, "
                              f"{run.requests} requests ({run.throttled} throttled).")
            for name, figures in run.counts.items():
                self.stdout.write(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
        if run.status == SyncStatus.FAILED:
            sys.exit(1)
