"""The steps of a sync. Each takes its SyncTask and a client, writes, and schedules what follows."""

from concurrent.futures import ThreadPoolExecutor

from django.db.models import Count, F, Q

from coe_portal.powerplatform.errors import ApiError, PowerPlatformError

from ..choices import SyncKind
from ..models import App, Bot, Connector, Environment, Flow, Maker, PagesSite
from . import sync_writes as writes

__all__ = ["STEPS", "counts"]

DETAIL_BATCH = 100
GRAPH_BATCH = 1000


def _follow(task, name, url_of_next, page, **args):
    """Schedule the next page of the same listing; return its task (the worker runs it next)."""
    from .sync import schedule

    key = ":".join([name, *[str(v) for v in args.values()], str(page + 1)])
    return schedule(task.run, name, {**args, "url": url_of_next, "page": page + 1,
                               "complete": task.args.get("complete", True)}, key=key)


def _listing_complete(task, page):
    """True when every page so far parsed cleanly; only then may missing items be marked deleted."""
    if page.malformed:
        task.run.add_error(task=task.key, error=f"{len(page.malformed)} malformed item(s): {page.malformed[0]}")
    return task.args.get("complete", True) and not page.malformed


def sync_environments(task, client):
    from .sync import schedule_many

    page = client.environment_page(task.args["url"] or client.environments_url())
    if page.records:
        writes.merge_environments(page.records, task.run_id)
    complete = _listing_complete(task, page)
    if page.next_url:
        return _follow(task, "environments", page.next_url, task.args["page"])
    if complete:
        writes.mark_missing_deleted(Environment.objects.all(), task.run_id)
        for model in (App, Flow, Bot, PagesSite):
            writes.mark_missing_deleted(model.objects.filter(environment__deleted_run=task.run_id), task.run_id)
        for model in (Bot, PagesSite):  # an environment without Dataverse has none
            writes.mark_missing_deleted(model.objects.filter(environment__dataverse_url=""), task.run_id)
    full = task.run.kind == SyncKind.FULL
    # Connectors, bots and sites change seldom: the full sync lists them, incremental ones do not.
    # Flows first: their detail batches are the longest part of a sync, so they should start early.
    kinds = ["flows", "apps"] + (["connectors"] if full else [])
    environments = list(Environment.objects.filter(last_seen_run=task.run_id).order_by("-is_default", "pk")
                        .values_list("pk", "dataverse_url"))
    schedule_many(task.run, [(kind, {"env": env_pk, "url": None, "page": 1}, f"{kind}:{env_pk}:1")
                             for kind in kinds + (["bots", "sites"] if full else [])
                             for env_pk, dataverse_url in environments
                             if dataverse_url or kind not in ("bots", "sites")])


def sync_apps(task, client):
    environment = Environment.objects.get(pk=task.args["env"])
    page = client.app_page(task.args["url"] or client.apps_url(environment.env_id))
    ids = writes.merge_apps(page.records, environment, task.run_id) if page.records else {}
    shared = {ids[r.app_id] for r in page.records if r.shared_users_count or r.shared_groups_count}
    writes.replace_usages("app", {ids[r.app_id]: r.connectors for r in page.records}, shared, task.run_id)
    complete = _listing_complete(task, page)
    if page.next_url:
        return _follow(task, "apps", page.next_url, task.args["page"], env=environment.pk)
    if complete:
        writes.mark_missing_deleted(App.objects.filter(environment=environment), task.run_id)


def sync_flows(task, client):
    from .sync import schedule_many

    environment = Environment.objects.get(pk=task.args["env"])
    page = client.flow_page(task.args["url"] or client.flows_url(environment.env_id))
    if page.records:
        writes.merge_flows(page.records, environment, task.run_id)
    stale = Flow.objects.filter(flow_id__in=[r.flow_id for r in page.records])
    if task.run.kind == SyncKind.INCREMENTAL:
        stale = stale.filter(Q(details_modified_time__isnull=True) | ~Q(details_modified_time=F("modified_time")))
    stale_ids = sorted(stale.values_list("flow_id", flat=True))
    schedule_many(task.run, [("flow_details", {"env": environment.pk, "flows": stale_ids[start:start + DETAIL_BATCH]},
                              f"flow_details:{environment.pk}:{task.args['page']}:{start}")
                             for start in range(0, len(stale_ids), DETAIL_BATCH)])
    complete = _listing_complete(task, page)
    if page.next_url:
        return _follow(task, "flows", page.next_url, task.args["page"], env=environment.pk)
    if complete:
        writes.mark_missing_deleted(Flow.objects.filter(environment=environment), task.run_id)


def sync_flow_details(task, client):
    environment = Environment.objects.get(pk=task.args["env"])

    def fetch(flow_id):
        try:
            return client.flow_detail(environment.env_id, flow_id)
        except ApiError as exc:
            if exc.status in (403, 404):  # deleted since the listing: the next listing marks it
                return None
            raise

    with ThreadPoolExecutor(max_workers=client.max_concurrency) as pool:
        details = [detail for detail in pool.map(fetch, task.args["flows"]) if detail]
    flows = dict(Flow.objects.filter(flow_id__in=[d.flow_id for d in details]).values_list("flow_id", "id"))
    writes.set_flow_details(details, flows)
    writes.replace_usages("flow", {flows[d.flow_id]: d.connectors for d in details}, run_id=task.run_id)


def _read_hosts(client, records):
    """Fill in the host of each custom connector from its definition (DLP URL patterns match it).

    A definition that cannot be read leaves the host unknown ("", the stored one is kept).
    """
    def host(record):
        try:
            record.host_url = client.connector_host(record.swagger_url)[:500]
        except (PowerPlatformError, ConnectionError):
            record.host_url = ""

    custom = [record for record in records if record.is_custom and record.swagger_url]
    with ThreadPoolExecutor(max_workers=min(8, client.max_concurrency)) as pool:
        list(pool.map(host, custom))


def sync_connectors(task, client):
    environment = Environment.objects.get(pk=task.args["env"])
    page = client.connector_page(task.args["url"] or client.connectors_url(environment.env_id))
    _read_hosts(client, page.records)
    if page.records:
        writes.merge_connectors(page.records, task.run_id, environment)
    _listing_complete(task, page)
    if page.next_url:
        return _follow(task, "connectors", page.next_url, task.args["page"], env=environment.pk)


def _sync_dataverse_table(task, client, kind, model, first_url, fetch, merge):
    environment = Environment.objects.get(pk=task.args["env"])
    client.dataverse_org(environment.dataverse_url)  # a resumed nextLink needs the org accepted first
    page = fetch(task.args["url"] or first_url(environment.dataverse_url))
    if page.records:
        merge(page.records, environment, task.run_id)
    complete = _listing_complete(task, page)
    if page.next_url:
        return _follow(task, kind, page.next_url, task.args["page"], env=environment.pk)
    if complete:
        writes.mark_missing_deleted(model.objects.filter(environment=environment), task.run_id)


def sync_bots(task, client):
    """Copilot Studio bots, from the `bots` table of the environment's Dataverse org."""
    _sync_dataverse_table(task, client, "bots", Bot, client.bots_url, client.bot_page, writes.merge_bots)


def sync_sites(task, client):
    """Power Pages sites, from the `powerpagesites` table (the Pages admin API takes no app-only tokens)."""
    _sync_dataverse_table(task, client, "sites", PagesSite, client.sites_url, client.site_page, writes.merge_sites)


def sync_makers(task, client):
    """Fill in makers' details from Entra ID; a maker Graph no longer knows is deleted there."""
    object_ids = [str(oid) for oid in Maker.objects.filter(entra_object_id__isnull=False)
                  .values_list("entra_object_id", flat=True)]
    for start in range(0, len(object_ids), GRAPH_BATCH):
        batch = object_ids[start:start + GRAPH_BATCH]
        users = client.users(batch)
        writes.update_makers(users, missing=set(batch) - {u.object_id.lower() for u in users})


STEPS = {
    "environments": sync_environments, "apps": sync_apps, "flows": sync_flows, "flow_details": sync_flow_details,
    "connectors": sync_connectors, "bots": sync_bots, "sites": sync_sites, "makers": sync_makers,
}


def counts(run):
    """Created, changed, deleted and current items per kind, read from the rows the run stamped."""
    result = {}
    for name, model in (("environments", Environment), ("apps", App), ("flows", Flow), ("connectors", Connector),
                        ("bots", Bot), ("sites", PagesSite)):
        result[name] = model.objects.aggregate(
            created=Count("pk", filter=Q(first_seen_run=run.pk)),
            changed=Count("pk", filter=Q(changed_run=run.pk) & ~Q(first_seen_run=run.pk)),
            deleted=Count("pk", filter=Q(deleted_run=run.pk)),
            total=Count("pk", filter=Q(deleted_at__isnull=True)),
        )
    result["makers"] = {"total": Maker.objects.count(),
                        "gone_from_entra": Maker.objects.filter(is_deleted_in_entra=True).count()}
    return result
