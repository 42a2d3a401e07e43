"""Import CoE Starter Kit CSVs (DLP impact CSVs, Dataverse table exports) into the inventory."""

import json
import sys

from django.core.management.base import BaseCommand

from inventory.services.csv_import import CsvImportError, import_csv


class Command(BaseCommand):
    help = ("Import DLP Editor impact CSVs (apps.csv, flow.csv) and CoE Starter Kit exports of admin_app, "
            "admin_flow, admin_environment, admin_maker and admin_connector. Each file is validated whole and "
            "written in its own transaction; the first bad file stops the run with exit status 1.")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="CSV file to import")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def handle(self, *args, **options):
        results = []
        for path in options["paths"]:
            try:
                result = import_csv(path)
            except (CsvImportError, OSError) as exc:
                self._report_failure(path, exc, results, options["json"])
                sys.exit(1)
            results.append(result.as_dict())
            if not options["json"]:
                self.stdout.write(result.summary())
        if options["json"]:
            self.stdout.write(json.dumps(results, indent=2, default=str))

    def _report_failure(self, path, exc, results, as_json):
        """Report the file that was refused, after the results of those imported before it."""
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        self.stderr.write(f"{path}: {message}")
        if as_json:
            results.append({"filename": path, "error": message})
            self.stdout.write(json.dumps(results, indent=2, default=str))
