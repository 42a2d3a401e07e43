"""Read usage from the tenant (app launches; flow runs, conversations and Advisor) and print what was read."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from coe_portal.celery import app as celery_app
from inventory.choices import SyncKind, SyncStatus
from inventory.services import sync
from usage.models import UsageSource

KINDS = {"launches": [SyncKind.USAGE_AUDIT], "runs": [SyncKind.USAGE_RUNS],
         "all": [SyncKind.USAGE_AUDIT, SyncKind.USAGE_RUNS]}


class Command(BaseCommand):
    help = "Sync usage: app launches from the audit feed, flow runs, agent conversations and Advisor."

    def add_arguments(self, parser):
        parser.add_argument("what", nargs="?", choices=sorted(KINDS), default="all")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument("--inline", action="store_true",
                            help="do the work in this process instead of the Celery workers")
        parser.add_argument("--timeout", type=float, default=3 * 3600)

    def handle(self, *args, **options):
        inline = options["inline"] or not celery_app.control.ping(timeout=1.0)
        if inline:
            self.stderr.write("No Celery worker answered: syncing in this process.")
        results = [self._run(kind, inline, options) for kind in KINDS[options["what"]]]
        sources = [{"source": s.label, "state": s.get_state_display(), "covered_since": s.covered_since,
                    "last_success": s.last_success, "last_error": s.last_error} for s in UsageSource.objects.all()]
        if options["json"]:
            self.stdout.write(json.dumps({"runs": results, "sources": sources}, indent=2, default=str))
        else:
            for result in results:
                self.stdout.write(f"{result['kind']} #{result['run']} {result['status']} in {result['seconds']} s, "
                                  f"{result['requests']} requests ({result['throttled']} throttled): "
                                  f"{json.dumps(result['counts'])}")
                for error in result["errors"][:5]:
                    self.stdout.write(f"  error: {error.get('error')}")
            for source in sources:
                self.stdout.write(f"  {source['source']}: {source['state']}"
                                  + (f" ({source['last_error']})" if source["last_error"] else ""))
        if any(result["status"] == SyncStatus.FAILED for result in results):
            sys.exit(1)

    def _run(self, kind, inline, options):
        def progress(run):
            if not options["json"]:
                self.stderr.write(f"\r{run.get_kind_display()}: {run.percent:3d}% "
                                  f"({run.tasks_done}/{run.tasks_total} tasks)", ending="")

        try:
            run = sync.drive(sync.start_sync(kind), inline, options["timeout"], progress)
        except sync.StillRunning as exc:
            raise CommandError(str(exc)) from None
        if not options["json"]:
            self.stderr.write("")
        return {"run": run.pk, "kind": run.get_kind_display(), "status": run.status, "seconds": round(run.duration, 2),
                "requests": run.requests, "throttled": run.throttled, "counts": run.counts, "errors": run.errors}
