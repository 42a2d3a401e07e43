from django.core.management.base import BaseCommand

from ...snapshots import take_snapshot


class Command(BaseCommand):
    help = "Take (or retake) today's dashboard snapshot."

    def handle(self, *args, **options):
        self.stdout.write(f"Snapshot taken: {take_snapshot()} rows")
