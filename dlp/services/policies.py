"""Live DLP policies from the tenant, and the drafts admins edit to see their impact."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from coe_portal.core.bulk import merge
from coe_portal.core.models import JobRun
from coe_portal.powerplatform import policies as api
from coe_portal.powerplatform.client import PowerPlatformClient
from inventory.models import App, Connector, Environment, Flow

from ..choices import API_GROUPS, Group
from ..models import Exemption, Policy, PolicyConnector

__all__ = ["copy_to_draft", "move_connector", "run_policy_sync", "set_scope", "start_policy_sync", "sync_policies"]


def _connector_ids(names):
    """{connector name: id}, adding connectors the inventory has not seen (a policy may list any)."""
    if not names:
        return {}
    ids = merge(Connector, [{"connector_id": name, "display_name": ""} for name in names], "connector_id",
                ["display_name"], insert_only=True)
    missing = set(names) - set(ids)
    ids.update(Connector.objects.filter(connector_id__in=missing).values_list("connector_id", "pk"))
    return ids


def _store(record, connector_ids, env_ids, now):
    policy, _ = Policy.objects.update_or_create(name=record.name, is_draft=False, defaults={
        "display_name": record.display_name[:200],
        "default_group": API_GROUPS.get(record.default_group, Group.NON_BUSINESS),
        "custom_connector_group": API_GROUPS.get(record.custom_connector_group, ""), "scope": record.scope,
        # The `*` pattern is the custom connector group above; the others keep their order ("Ignore": "").
        "url_patterns": [{**rule, "group": API_GROUPS.get(rule["group"], "")}
                         for rule in record.url_patterns if rule["pattern"] != "*"],
        "action_rules": record.action_rules, "endpoint_rules": record.endpoint_rules,
        "etag": record.etag, "modified_by_name": record.modified_by[:200], "modified_time": record.modified_time,
        "last_synced": now, "deleted_at": None})
    policy.environments.set([env_ids[name] for name in record.environments if name in env_ids])
    policy.connectors.all().delete()
    PolicyConnector.objects.bulk_create(
        PolicyConnector(policy=policy, connector_id=connector_ids[name], group=API_GROUPS[classification])
        for classification, names in record.groups.items() if classification in API_GROUPS
        for name in dict.fromkeys(names))
    return policy


def _store_exemptions(policy, exempt):
    apps = dict(App.objects.filter(app_id__in=[n for k, n in exempt if k == "app"]).values_list("app_id", "pk"))
    flows = dict(Flow.objects.filter(flow_id__in=[n for k, n in exempt if k == "flow"]).values_list("flow_id", "pk"))
    policy.exemptions.filter(from_tenant=True).delete()
    rows = [Exemption(policy=policy, app_id=apps.get(name) if kind == "app" else None,
                      flow_id=flows.get(name) if kind == "flow" else None, reason="Exempt in the tenant",
                      from_tenant=True) for kind, name in exempt]
    Exemption.objects.bulk_create([row for row in rows if row.app_id or row.flow_id], ignore_conflicts=True)


def sync_policies(client=None):
    """Read every live policy and its exemptions; policies gone from the tenant are marked deleted, kept."""
    client = client or PowerPlatformClient.shared()
    records = api.list_policies(client)
    exemptions = {record.name: api.policy_exemptions(client, settings.ENTRA_TENANT_ID, record.name)
                  for record in records}
    now = timezone.now()
    with transaction.atomic():
        connector_ids = _connector_ids(sorted({n for r in records for names in r.groups.values() for n in names}))
        env_ids = dict(Environment.objects.values_list("env_id", "pk"))
        for record in records:
            _store_exemptions(_store(record, connector_ids, env_ids, now), exemptions[record.name])
        Policy.objects.filter(is_draft=False, deleted_at=None).exclude(
            name__in=[r.name for r in records]).update(deleted_at=now)
    return len(records)


@transaction.atomic
def copy_to_draft(policy, user=None):
    """A draft that starts as a copy of live `policy` (groups, scope, exemptions) and replaces it in the what-if."""
    draft = Policy.objects.create(
        display_name=f"{policy.display_name} (what-if)"[:200], is_draft=True, replaces=policy,
        default_group=policy.default_group, custom_connector_group=policy.custom_connector_group,
        url_patterns=policy.url_patterns, action_rules=policy.action_rules, endpoint_rules=policy.endpoint_rules,
        scope=policy.scope, created_by=user)
    draft.environments.set(policy.environments.all())
    PolicyConnector.objects.bulk_create(PolicyConnector(policy=draft, connector_id=c.connector_id, group=c.group)
                                        for c in policy.connectors.all())
    Exemption.objects.bulk_create(Exemption(policy=draft, app_id=e.app_id, flow_id=e.flow_id, reason=e.reason)
                                  for e in policy.exemptions.all())
    return draft


@transaction.atomic
def move_connector(draft, connector, group):
    """Put `connector` in `group` of the draft (blank: back to the default group); return the old group."""
    if not draft.is_draft:
        raise ValueError("Only drafts are edited in the portal; live policies change in the tenant.")
    current = PolicyConnector.objects.filter(policy=draft, connector=connector).first()
    old = current.group if current else ""
    if not group:
        PolicyConnector.objects.filter(policy=draft, connector=connector).delete()
    else:
        PolicyConnector.objects.update_or_create(policy=draft, connector=connector, defaults={"group": group})
    Policy.objects.filter(pk=draft.pk).update(updated=timezone.now())
    return old


@transaction.atomic
def set_scope(draft, scope, environments):
    """Change the draft's scope and its listed environments."""
    if not draft.is_draft:
        raise ValueError("Only drafts are edited in the portal.")
    draft.scope = scope
    draft.save(update_fields=["scope", "updated"])
    draft.environments.set(environments)


def start_policy_sync(user=None):
    """A job row that reads the live policies, run by a worker after commit."""
    from ..tasks import sync_policies_job

    job = JobRun.objects.create(kind="dlp_policy_sync", created_by=user)
    transaction.on_commit(lambda: sync_policies_job.delay(job.pk))
    return job


def run_policy_sync(job_id):
    """Claim and run a policy sync job; a tenant error fails the job with its message, never the worker."""
    from coe_portal.powerplatform.errors import PowerPlatformError

    job = JobRun.objects.get(pk=job_id)
    if not job.claim():
        return
    job.advance("Reading the DLP policies (v2) and their exemptions", done=0, total=1)
    try:
        count = sync_policies()
    except PowerPlatformError as exc:
        job.fail(f"The tenant answered with an error: {exc}")
        return
    job.advance(f"Read {count} live policies", done=1)
    job.finish({"policies": count})
