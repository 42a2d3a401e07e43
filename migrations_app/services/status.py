"""What the maker's page and the inventory pages show about items: migration state and DLP impact."""

from django.db import transaction

from dlp.models import ImpactItem, ImpactRun

from ..models import RequestItem

__all__ = ["dlp_status", "enqueue", "migration_of", "migration_status"]


def migration_status(kind, ids):
    """{item pk: RequestItem of its latest request} for apps or flows (`kind` "app"/"flow")."""
    rows = RequestItem.objects.filter(**{f"{kind}__in": ids}).select_related("request").order_by(
        "request__created", "pk")
    return {getattr(row, f"{kind}_id"): row for row in rows}


def migration_of(item):
    """The RequestItem of the item's latest migration request, or None."""
    kind = "app" if item._meta.model_name == "app" else "flow"
    return migration_status(kind, [item.pk]).get(item.pk)


def dlp_status(apps, flows):
    """{("app"|"flow", pk): label} under the live policies, from the latest impact run; {} when none ran."""
    run = ImpactRun.objects.filter(status=ImpactRun.Status.DONE, draft__isnull=True).first()
    if run is None:
        return None
    found = {("app", pk): "Compliant" for pk in apps} | {("flow", pk): "Compliant" for pk in flows}
    rows = ImpactItem.objects.filter(run=run, app_id__in=list(apps)) | ImpactItem.objects.filter(
        run=run, flow_id__in=list(flows))
    for row in rows:
        found[(row.kind, row.app_id or row.flow_id)] = row.get_current_display()
    return found


def enqueue(job):
    """Run the job's next step in a worker once this transaction commits."""
    from ..tasks import run_migration_job

    transaction.on_commit(lambda: run_migration_job.delay(job.pk))
