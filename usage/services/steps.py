"""The usage syncs as kinds of the inventory's resumable sync runs (inventory/services/sync_kinds.py)."""

from django.db.models import Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from inventory.choices import SyncKind
from inventory.services import sync_kinds, triage

from ..models import AppLaunchDay, FlowRunDay, FlowRunState, UsageSource
from . import advisor, audit, runs, summaries

__all__ = ["register"]


def finish_audit(task, client):
    audit.finish(task.run)
    summaries.apps()
    summaries.prune()


def finish_runs(task, client):
    steps = ("usage_flow_runs", "usage_runs", "usage_dataverse")
    failed = [e for e in task.run.errors if str(e.get("task", "")).startswith(steps)]
    history = runs.source("runs", "Flow run history")
    if failed:
        history.failed(f"{len(failed)} batch(es) failed, first: {failed[0].get('error', '')}")
    else:
        history.succeeded()
    history.save()
    started = parse_datetime(task.run.tasks.get(name="usage_runs_start").args["at"])
    runs.dataverse_finish(task.run, started)
    summaries.flows(started)
    summaries.bots()
    summaries.prune()


def audit_counts(run):
    batches = run.tasks.filter(name="usage_audit_blobs").values_list("args", flat=True)
    figures = {name: sum(args.get(key, 0) for args in batches)
               for name, key in (("blobs", "read"), ("records", "records"), ("launches", "launches"))}
    return {"audit": {**figures,
                      "apps_launched_today": AppLaunchDay.objects.filter(day=timezone.now().date())
                      .values("app_guid").distinct().count()}}


def runs_counts(run):
    # A batch reads through a whole second: it belongs to this run from the second the run started.
    return {"runs": {"flows_read": FlowRunState.objects.filter(through__gte=run.started.replace(microsecond=0)).count(),
                     "runs_30_days": FlowRunDay.objects.aggregate(n=Sum("runs"))["n"] or 0,
                     "sources_failing": UsageSource.objects.filter(state=UsageSource.State.FAILED).count()}}


def register():
    sync_kinds.register(SyncKind.USAGE_AUDIT, sync_kinds.RunKind(
        family=SyncKind.USAGE_AUDIT, first=("usage_audit_start", {}, "usage_audit_start"),
        steps={**audit.STEPS, "usage_audit_finish": finish_audit}, last=("usage_audit_finish",),
        counts=audit_counts, finished=triage.sync_finished))
    sync_kinds.register(SyncKind.USAGE_RUNS, sync_kinds.RunKind(
        family=SyncKind.USAGE_RUNS, first=("usage_runs_start", {}, "usage_runs_start"),
        steps={**runs.STEPS, "usage_advisor": advisor.read, "usage_runs_finish": finish_runs},
        last=("usage_runs_finish",), counts=runs_counts, finished=triage.sync_finished))
