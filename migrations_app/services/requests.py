"""Maker requests and admin decisions: submit, approve or reject in bulk, waves, starting jobs.

Every function that writes runs in the caller's transaction and enqueues Celery work on commit.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dlp.services.targets import suggest_targets
from inventory.models import App, ConnectorUsage, Flow, Maker

from ..choices import RequestState, WaveState
from ..models import MigrationJob, MigrationRequest, RequestItem, StateError, Wave
from ..models.requests import OPEN, sync_items
from . import notices

__all__ = ["conflicts", "conflicts_for", "do_assign", "do_decide", "do_start_wave", "do_submit_request", "my_items",
           "start_due_waves", "start_job", "target_choices"]

# Free capacity (MB) under which a target is flagged as nearly full in the admin queue.
LOW_CAPACITY_MB = 1024


def my_items(user):
    """(apps, flows) the user owns or created in the inventory: their own items only."""
    makers = Maker.objects.for_user(user)
    apps = App.objects.filter(owner__in=makers, deleted_at__isnull=True).select_related("environment")
    flows = Flow.objects.filter(creator__in=makers, deleted_at__isnull=True).select_related("environment")
    return apps, flows


def item_key(item):
    """The DLP engine's key: app pk, or minus the flow pk."""
    return item.pk if item._meta.model_name == "app" else -item.pk


def target_choices(items):
    """Environments every item may move to: non-default, with Dataverse, where no live DLP policy breaks it."""
    if not items:
        return []
    fits = suggest_targets(None, [item_key(item) for item in items])
    common = None
    for item in items:
        ids = {env.pk for env in fits.get(item_key(item), [])}
        common = ids if common is None else common & ids
    sources = {item.environment_id for item in items}
    return [env for env in next(iter(fits.values()), [])
            if env.pk in common and env.has_dataverse and env.pk not in sources]


def do_submit_request(user, items, target, reason, preferred_from=None, preferred_to=None, source_action=None):
    """Create a request for the user's own `items` to `target`; raise StateError naming what is wrong."""
    apps, flows = my_items(user)
    own = {("app", pk) for pk in apps.values_list("pk", flat=True)} | {("flow", pk) for pk in
                                                                       flows.values_list("pk", flat=True)}
    if not items:
        raise StateError("Choose at least one app or flow.")
    if any((item._meta.model_name, item.pk) not in own for item in items):
        raise StateError("You can only request the migration of your own apps and flows.")
    if len({item.environment_id for item in items}) > 1:
        raise StateError("Choose items of one environment per request: a solution holds one environment's items.")
    busy = [str(item) for item in items if _open_request_for(item)]
    if busy:
        raise StateError("Already requested: " + ", ".join(busy))
    if target.pk not in {env.pk for env in target_choices(items)}:
        raise StateError(f"{target} is not offered for these items (a DLP policy there would break one of them).")
    if preferred_from and preferred_to and preferred_to < preferred_from:
        raise StateError("The preferred window ends before it starts.")
    request = MigrationRequest.objects.create(requested_by=user, target=target, reason=reason,
                                              preferred_from=preferred_from, preferred_to=preferred_to,
                                              **({"source_action": source_action} if source_action else {}))
    RequestItem.objects.bulk_create([RequestItem(request=request, **{item._meta.model_name: item}) for item in items])
    sync_items([request.pk])
    return request


def _open_request_for(item):
    return RequestItem.objects.filter(**{item._meta.model_name: item}, request__state__in=OPEN).exists()


def do_decide(requests, user, approve, message="", wave=None):
    """Approve (into `wave` when given, telling each maker) or reject each request; return (changed,
    [(request, why refused)])."""
    changed, refused = [], []
    for request in requests:
        try:
            if approve:
                request.approve(user, message, wave)
                notices.notify_approved(request)
            else:
                request.reject(user, message)
        except StateError as exc:
            refused.append((request, str(exc)))
        else:
            changed.append(request)
    return changed, refused


def do_assign(requests, wave):
    """Put approved requests into a wave; return (changed, refused) as do_decide."""
    changed, refused = [], []
    for request in requests:
        try:
            request.assign(wave)
        except StateError as exc:
            refused.append((request, str(exc)))
        else:
            changed.append(request)
    return changed, refused


def start_job(request):
    """Create the request's job (once) and queue its first step after commit; the job, or None if not scheduled."""
    from ..tasks import start_migration_job

    if not request.mark_started():
        return None
    job, _ = MigrationJob.objects.get_or_create(request=request)
    transaction.on_commit(lambda: start_migration_job(job.pk))
    return job


def do_start_wave(wave):
    """Start a wave once: a job for each scheduled request in it; return the jobs started."""
    if not wave.claim_start():
        return []
    jobs = [start_job(request) for request in wave.requests.filter(state=RequestState.SCHEDULED)]
    return [job for job in jobs if job]


def start_due_waves(now=None):
    """Beat: start the planned waves whose scheduled start has come; return how many started."""
    due = Wave.objects.filter(state=WaveState.PLANNED, scheduled_start__lte=now or timezone.now())
    started = 0
    for wave in due:
        with transaction.atomic():
            started += bool(do_start_wave(wave)) or wave.state == WaveState.RUNNING
    return started


def conflicts(request):
    """What stands in the way of one request, for the admin: see conflicts_for."""
    return conflicts_for([request])[request.pk]


def conflicts_for(requests):
    """{request pk: [conflict]} for a page of requests, in three queries whatever their number.

    Target capacity (the callers select_related the target), custom connectors the items use
    (they must be recreated in the target), the missing dependencies the pre-check found and
    the connection references not yet mapped. One query each for the items, the custom
    connectors' usages and the jobs.
    """
    requests = list(requests)
    found = {request.pk: _capacity(request.target) if request.target else [] for request in requests}
    if not found:
        return found
    items = list(RequestItem.objects.filter(request__in=found).values_list("request_id", "app_id", "flow_id"))
    custom = _custom_connectors([app for _, app, _ in items if app], [flow for _, _, flow in items if flow])
    for request_id, app_id, flow_id in items:
        names = custom.get(("app", app_id) if app_id else ("flow", flow_id), ())
        found[request_id] += [name for name in names if name not in found[request_id]]
    jobs = MigrationJob.objects.filter(request__in=found).values_list("request_id", "precheck", "connection_refs",
                                                                      "bindings")
    for request_id, precheck, refs, bindings in jobs:
        found[request_id] += precheck.get("missing_dependencies", [])
        found[request_id] += [f"Missing connection: {ref['display_name']}" for ref in refs
                              if ref["logical_name"] not in bindings]
    return found


def _capacity(target):
    used, limit = target.capacity_used_mb, target.capacity_limit_mb
    if used is not None and limit and limit - used < LOW_CAPACITY_MB:
        return [f"Target capacity: {max(limit - used, 0):.0f} MB free of {limit:.0f} MB"]
    return []


def _custom_connectors(apps, flows):
    """{("app"|"flow", pk): [conflict]} for the custom connectors each item uses, in one query."""
    usages = (ConnectorUsage.objects.filter(Q(app__in=apps) | Q(flow__in=flows), connector__is_custom=True)
              .values_list("app_id", "flow_id", "connector__display_name", "connector__connector_id")
              .order_by("connector__display_name", "connector__connector_id").distinct())
    found = {}
    for app_id, flow_id, name, connector_id in usages:
        key = ("app", app_id) if app_id else ("flow", flow_id)
        found.setdefault(key, []).append(f"Custom connector {name or connector_id}: recreate it in the target")
    return found
