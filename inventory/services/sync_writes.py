"""Write what the tenant returned: records in, rows merged, usages replaced. No per-row queries."""

from django.db import connection
from django.utils import timezone

from coe_portal.core.bulk import copy_rows, merge

from ..models import App, Bot, Connector, ConnectorUsage, Environment, Flow, Maker, PagesSite

__all__ = ["mark_missing_deleted", "merge_apps", "merge_bots", "merge_connectors", "merge_environments",
           "merge_flows", "merge_makers", "merge_sites", "replace_usages"]

# Connectors whose connections users of a shared app use without signing in themselves
# (seed 000: apps sharing SQL or blob connections implicitly).
IMPLICITLY_SHARED = {"shared_sql", "shared_azureblob", "shared_azuretables", "shared_azurequeues", "shared_ftp",
                     "shared_sftp", "shared_sftpwithssh", "shared_filesystem"}
EXCEL_CONNECTORS = {"shared_excelonlinebusiness", "shared_excel"}


def _capacity(record, kind, measure):
    return (record.capacity.get(kind) or {}).get(measure)


def merge_environments(records, run_id):
    creators = {str(oid): pk for oid, pk in merge_makers([r.creator for r in records]).items()}
    rows = [{
        "env_id": r.env_id, "display_name": r.display_name, "environment_type": r.environment_type,
        "region": r.region, "azure_region": r.azure_region, "is_default": r.is_default, "is_managed": r.is_managed,
        "dataverse_url": r.dataverse_url, "created_time": r.created_time,
        "creator": creators.get(r.creator.object_id) if r.creator else None,
        **{f"capacity_{kind.lower()}_mb": _capacity(r, kind, "actual") for kind in ("Database", "File", "Log")},
        **{f"capacity_{kind.lower()}_rated_mb": _capacity(r, kind, "rated") for kind in ("Database", "File", "Log")},
    } for r in records]
    return merge(Environment, rows, "env_id", [name for name in rows[0] if name != "env_id"] if rows else [], run_id)


def adopt_email_only_makers(users):
    """Give makers known only by e-mail (from a CSV import) the object id the tenant reports.

    Without this the sync would add a second row for the same person.
    """
    pairs = [(u.object_id, u.email.lower()) for u in users if u and u.object_id and u.email]
    if not pairs:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_maker AS m SET entra_object_id = s.oid "
            "FROM unnest(%s::uuid[], %s::text[]) AS s(oid, email) "
            "WHERE m.id = (SELECT min(x.id) FROM inventory_maker x WHERE x.entra_object_id IS NULL "
            "              AND (lower(x.email) = s.email OR lower(x.user_principal_name) = s.email)) "
            "AND NOT EXISTS (SELECT 1 FROM inventory_maker y WHERE y.entra_object_id = s.oid)",
            [[oid for oid, _ in pairs], [email for _, email in pairs]])
        # A listing without e-mails (flows name their creator by object id only) may have added the
        # object id's row first: the e-mail-only row, with its history, takes that row's place.
        cursor.execute(
            "SELECT x.id, y.id, s.oid FROM unnest(%s::uuid[], %s::text[]) AS s(oid, email) "
            "JOIN inventory_maker y ON y.entra_object_id = s.oid "
            "JOIN LATERAL (SELECT min(x.id) AS id FROM inventory_maker x WHERE x.entra_object_id IS NULL "
            "              AND (lower(x.email) = s.email OR lower(x.user_principal_name) = s.email)) x "
            "ON x.id IS NOT NULL",
            [[oid for oid, _ in pairs], [email for _, email in pairs]])
        for keeper, duplicate, oid in cursor.fetchall():
            _fold_maker(duplicate, keeper)
            Maker.objects.filter(pk=keeper).update(entra_object_id=oid)


def _fold_maker(duplicate, keeper):
    """Point every reference to maker `duplicate` at `keeper`, then delete `duplicate`."""
    for relation in Maker._meta.related_objects:
        if relation.many_to_many:
            continue
        relation.related_model._base_manager.filter(**{relation.field.name: duplicate}).update(
            **{relation.field.name: keeper})
    Maker.objects.filter(pk=duplicate).delete()


def merge_makers(users):
    """Upsert makers from user records; blank incoming details never erase known ones."""
    adopt_email_only_makers(users)
    rows = [{"entra_object_id": u.object_id, "display_name": u.display_name, "email": u.email.lower(),
             "user_principal_name": u.user_principal_name.lower()} for u in users if u and u.object_id]
    return merge(Maker, rows, "entra_object_id", ["display_name", "email", "user_principal_name"],
                 keep_when_blank=["display_name", "email", "user_principal_name"])


def maker_ids(object_ids):
    """Make sure a maker exists for each object id; return {object id: maker pk}."""
    object_ids = {oid for oid in object_ids if oid}
    merge(Maker, [{"entra_object_id": oid} for oid in object_ids], "entra_object_id", [], insert_only=True)
    return {str(oid): pk for oid, pk in Maker.objects.filter(entra_object_id__in=object_ids)
            .values_list("entra_object_id", "id")}


def merge_apps(records, environment, run_id):
    owners = merge_makers([r.owner for r in records])
    owners = {str(oid): pk for oid, pk in owners.items()}
    rows = []
    for r in records:
        sources = [{"connector": ref.connector_id, "name": name} for ref in r.connectors for name in ref.data_sources]
        rows.append({
            "app_id": r.app_id, "environment": environment.pk, "display_name": r.display_name[:300], "kind": r.kind,
            "owner": owners.get(r.owner.object_id) if r.owner else None, "created_time": r.created_time,
            "modified_time": r.modified_time, "published_time": r.published_time,
            "shared_users_count": r.shared_users_count, "shared_groups_count": r.shared_groups_count,
            "is_solution_aware": r.is_solution_aware, "open_url": r.open_url[:500],
            "quarantine_status": "quarantined" if r.quarantined else "",
            # The service's own flag; the connectors' tiers only where it does not say.
            "uses_premium": r.uses_premium if r.uses_premium is not None else any(
                ref.tier == "premium" for ref in r.connectors),
            "uses_custom_connector": any(ref.is_custom for ref in r.connectors),
            "uses_excel": any(ref.connector_id in EXCEL_CONNECTORS for ref in r.connectors),
            "uses_sharepoint_list": any(ref.connector_id == "shared_sharepointonline" and ref.data_sources
                                        for ref in r.connectors),
            "data_sources": sources,
        })
    fields = [name for name in rows[0] if name != "app_id"] if rows else []
    return merge(App, rows, "app_id", fields, run_id)


def merge_flows(records, environment, run_id):
    creators = maker_ids(r.creator_object_id for r in records)
    rows = [{
        "flow_id": r.flow_id, "environment": environment.pk, "display_name": r.display_name[:300], "state": r.state,
        "suspension_reason": r.suspension_reason[:100], "creator": creators.get(r.creator_object_id),
        "created_time": r.created_time, "modified_time": r.modified_time, "is_solution_aware": r.is_solution_aware,
    } for r in records]
    fields = [name for name in rows[0] if name != "flow_id"] if rows else []
    return merge(Flow, rows, "flow_id", fields, run_id)


def merge_bots(records, environment, run_id):
    """Upsert an environment's Copilot Studio bots."""
    owners = maker_ids(r.owner_object_id for r in records)
    rows = [{"bot_id": r.bot_id, "environment": environment.pk, "display_name": r.display_name[:300],
             "owner": owners.get(r.owner_object_id), "created_time": r.created_time, "modified_time": r.modified_time,
             "is_published": r.is_published} for r in records]
    return merge(Bot, rows, "bot_id", [name for name in rows[0] if name != "bot_id"] if rows else [], run_id)


def merge_sites(records, environment, run_id):
    """Upsert an environment's Power Pages sites."""
    owners = maker_ids(r.owner_object_id for r in records)
    rows = [{"site_id": r.site_id, "environment": environment.pk, "display_name": r.display_name[:300],
             "owner": owners.get(r.owner_object_id), "website_url": r.website_url[:500],
             "created_time": r.created_time, "modified_time": r.modified_time} for r in records]
    return merge(PagesSite, rows, "site_id", [name for name in rows[0] if name != "site_id"] if rows else [], run_id)


def merge_connectors(records, run_id=None, environment=None, from_usage=False):
    """Upsert catalogue connectors, or (from_usage) add connectors first met in a usage.

    Connectors added from a usage carry the run's stamps too, so the run counts them as new.
    """
    rows = [{"connector_id": r.connector_id, "display_name": r.display_name, "tier": r.tier,
             "is_custom": r.is_custom, "publisher": getattr(r, "publisher", ""),
             "is_builtin": r.connector_id in ("http", "httpwebhook", "request"),
             "environment": environment.pk if environment and r.is_custom else None,
             "host_url": getattr(r, "host_url", "")} for r in records]
    keep = ["display_name", "tier", "publisher", "host_url"]
    if from_usage:  # add it if new, leave the catalogue's facts alone
        merge(Connector, rows, "connector_id", ["display_name", "tier", "is_custom", "is_builtin"], run_id,
              insert_only=True)
        return dict(Connector.objects.filter(connector_id__in=[row["connector_id"] for row in rows])
                    .values_list("connector_id", "id"))
    return merge(Connector, rows, "connector_id", [n for n in rows[0] if n != "connector_id"] if rows else [],
                 run_id, keep_when_blank=keep)


def replace_usages(owner_field, usages_by_item, shared_items=frozenset(), run_id=None):
    """Replace the connector usages of the items in `usages_by_item` ({item pk: [ConnectorRef]})."""
    refs = [ref for refs in usages_by_item.values() for ref in refs]
    connectors = merge_connectors(refs, run_id, from_usage=True)
    ConnectorUsage.objects.filter(**{f"{owner_field}__in": list(usages_by_item)}).delete()
    rows = []
    for item_pk, item_refs in usages_by_item.items():
        for ref in item_refs:
            implicit = item_pk in shared_items and ref.connector_id in IMPLICITLY_SHARED
            rows.append((item_pk, connectors[ref.connector_id], ref.connection_id[:200], implicit, ref.data_sources,
                         ref.actions, ref.endpoints))
    columns = [f"{owner_field}_id", "connector_id", "connection_id", "is_implicitly_shared", "data_sources",
               "actions", "endpoints"]
    copy_rows(ConnectorUsage._meta.db_table, columns, rows)


def mark_missing_deleted(queryset, run_id):
    """Mark deleted the items of a complete listing (`queryset`) that it did not contain."""
    return (queryset.filter(deleted_at__isnull=True).exclude(last_seen_run=run_id)
            .update(deleted_at=timezone.now(), deleted_run=run_id))


def set_flow_details(details, flows_by_id):
    """Store trigger facts from flow details, and that they match the flow's current version."""
    if not details:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            'UPDATE "inventory_flow" SET trigger_kind = %s, has_http_trigger = %s, trigger_url = %s, '
            "trigger_connector = %s, trigger_table = %s, details_modified_time = modified_time WHERE id = %s",
            [(d.trigger_kind[:60], d.has_http_trigger, d.trigger_url[:1000], d.trigger_connector[:100],
              d.trigger_table[:100], flows_by_id[d.flow_id]) for d in details])


def update_makers(users, missing):
    """Store Graph's view of makers; those in `missing` were not found there.

    Rule: what Graph did not say is unknown and keeps the stored value (None: keep_when_null),
    never "enabled" and never an empty department over a known one.
    """
    rows = [{"entra_object_id": u.object_id, "display_name": u.display_name, "email": u.email.lower(),
             "user_principal_name": u.user_principal_name.lower(), "department": u.department,
             "location": u.location, "is_disabled": None if u.enabled is None else not u.enabled,
             "is_deleted_in_entra": False, "last_synced": timezone.now()}
            for u in users]
    merge(Maker, rows, "entra_object_id", [name for name in rows[0] if name != "entra_object_id"] if rows else [],
          keep_when_blank=["display_name", "email", "user_principal_name"],
          keep_when_null=["department", "location", "is_disabled"])
    Maker.objects.filter(entra_object_id__in=missing).update(is_deleted_in_entra=True, last_synced=timezone.now())
