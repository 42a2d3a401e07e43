"""What the maker's page and the inventory pages show about items: their migration state."""

from django.db import transaction
from django.db.models import Q

from ..choices import RequestState
from ..models import RequestItem
from ..models.requests import sync_items

__all__ = ["enqueue", "migration_of", "migration_status", "sync_items"]


def migration_status(kind, ids):
    """{item pk: RequestItem of its latest request} for apps or flows (`kind` "app"/"flow")."""
    rows = RequestItem.objects.filter(**{f"{kind}__in": ids}).select_related("request").order_by(
        "request__created", "pk")
    return {getattr(row, f"{kind}_id"): row for row in rows}


def migration_of(item, viewer=None):
    """The RequestItem of the item's latest migration request, or None.

    With `viewer`, a draft counts only for its own maker: it is not the CoE team's until it is sent.
    """
    kind = "app" if item._meta.model_name == "app" else "flow"
    rows = RequestItem.objects.filter(**{kind: item}).select_related("request").order_by("-request__created", "-pk")
    if viewer is not None:
        rows = rows.exclude(Q(request__state=RequestState.DRAFT) & ~Q(request__requested_by_id=viewer.pk))
    return rows.first()


def enqueue(job):
    """Run the job's next step in a worker once this transaction commits."""
    from ..tasks import run_migration_job

    transaction.on_commit(lambda: run_migration_job.delay(job.pk))
