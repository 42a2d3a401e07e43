"""Write validated records into the inventory, one kind at a time; callers hold the transaction."""

from ...choices import EnvironmentType
from ...models import App, Connector, Environment, Flow, Maker
from . import refs
from .rows import insert_new, update_known

__all__ = ["write"]

ITEMS = {
    "apps": (App, "app_id", "owner", "app", [
        "kind", "created_time", "modified_time", "published_time", "last_launched_time", "shared_users_count",
        "shared_groups_count", "is_solution_aware", "quarantine_status"]),
    "flows": (Flow, "flow_id", "creator", "flow", [
        "state", "suspension_reason", "created_time", "modified_time", "is_solution_aware"]),
}


def write(parsed):
    """Write `parsed` and return its counts: {kind: {"created": n, "updated": n, ...}}."""
    return WRITERS[parsed.format.kind](parsed)


def _upsert(model, rows, key, names, synced_column=None):
    """Insert new rows, update known ones (see update_known); return ({key: pk}, created, kept by the sync)."""
    created = insert_new(model, rows, key)
    known = [row for row in rows if row[key] not in created]
    updated, kept = update_known(model, known, key, names, synced_column)
    ids = {str(k): pk for k, pk in updated.items()}
    ids.update({str(k): pk for k, pk in created.items()})
    return ids, len(created), kept


def _counts(created, total, kept=0):
    counts = {"created": created, "updated": total - created}
    if kept:
        counts["kept from the sync"] = kept
    return counts


def _address(value):
    # One person is one maker whatever the source: addresses are compared and stored in lower case.
    return value.lower() if value else value


def _owners(records):
    """Return each record's maker pk (or None) and the makers' counts."""
    by_oid, by_email = {}, {}
    for r in records:
        person = {"display_name": r.get("owner_name"), "email": _address(r.get("owner_email")),
                  "upn": _address(r.get("owner_upn"))}
        if r.get("owner_object_id"):
            by_oid.setdefault(r["owner_object_id"], person)
        elif r.get("owner_email"):
            by_email.setdefault(r["owner_email"].lower(), person)
    oid_ids, created, adopted = refs.makers_by_object_id(by_oid)
    email_ids, created_by_email = refs.makers_by_email(by_email)
    owners = [oid_ids.get(r.get("owner_object_id")) or email_ids.get((r.get("owner_email") or "").lower())
              for r in records]
    return owners, {"created": created + created_by_email, "updated": adopted}


def _item_row(record, kind, env_ids, owner, fields):
    _, key, owner_field, _, _ = ITEMS[kind]
    row = {key: record[key], "environment": env_ids[record["environment"]], "display_name": record["display_name"],
           owner_field: owner}
    for name in fields:
        row[name] = record.get(name)
    if "quarantine_status" in fields and record.get("quarantined") is not None:
        row["quarantine_status"] = "quarantined" if record["quarantined"] else ""
    return row


def _write_items(parsed):
    kind, records = parsed.format.kind, parsed.records
    model, key, owner_field, usage_field, optional = ITEMS[kind]
    present = parsed.present | ({"quarantine_status"} if "quarantined" in parsed.present else set())
    fields = [name for name in optional if name in present]
    env_ids, envs_created = refs.ensure_environments(
        {r["environment"]: r.get("environment_name") for r in records})
    owners, maker_counts = _owners(records)
    rows = [_item_row(r, kind, env_ids, owner, fields) for r, owner in zip(records, owners, strict=True)]
    ids, created, kept = _upsert(model, rows, key, ["environment", "display_name", owner_field, *fields],
                                 synced_column="last_seen_run")
    counts = {kind: _counts(created, len(rows), kept), "environments": {"created": envs_created, "updated": 0},
              "makers": maker_counts}
    if "connections" in parsed.present:
        synced = set(model.objects.filter(pk__in=ids.values(), last_seen_run__isnull=False)
                     .values_list("pk", flat=True))
        counts.update(_write_usages(usage_field, [r for r in records if ids[r[key]] not in synced], key, ids))
        if synced:
            counts["usages"]["kept from the sync"] = len(synced)
    return counts


def _write_usages(usage_field, records, key, ids):
    """Usages named in the file replace an item's usages only where no sync has read them: the sync's
    carry connection ids, data sources and operations that a file's connector names lack."""
    references = {ref for r in records for ref in r.get("connections") or ()}
    connector_ids, created = refs.ensure_connectors(references)
    usages = {ids[r[key]]: [connector_ids[ref] for ref in r.get("connections") or ()] for r in records}
    written, deleted = refs.replace_usages(usage_field, usages)
    return {"connectors": {"created": created, "updated": 0},
            "usages": {"created": written, "updated": 0, "deleted": deleted}}


def _write_environments(parsed):
    rows = []
    for r in parsed.records:
        is_default = r["env_id"].startswith("Default-") or r.get("environment_type") == EnvironmentType.DEFAULT
        rows.append({**{name: r.get(name) for name in parsed.present}, "is_default": is_default,
                     "environment_type": EnvironmentType.DEFAULT if is_default else r.get("environment_type")})
    names = sorted((parsed.present | {"is_default", "environment_type"}) - {"env_id"})
    _, created, kept = _upsert(Environment, rows, "env_id", names, synced_column="last_seen_run")
    return {"environments": _counts(created, len(rows), kept)}


def _maker_row(r):
    place = ", ".join(part for part in (r.get("city"), r.get("country")) if part) or None
    enabled = r.get("account_enabled")
    return {"entra_object_id": r["entra_object_id"], "display_name": r.get("display_name"),
            "user_principal_name": _address(r.get("user_principal_name")), "email": _address(r.get("email")),
            "department": r.get("department"), "location": place,
            "is_disabled": None if enabled is None else not enabled}


def _write_makers(parsed):
    rows = [_maker_row(r) for r in parsed.records]
    people = {row["entra_object_id"]: {"display_name": row["display_name"], "email": row["email"],
                                       "upn": row["user_principal_name"]} for row in rows}
    _, created, _ = refs.makers_by_object_id(people)
    _, kept = update_known(Maker, rows, "entra_object_id", [name for name in rows[0] if name != "entra_object_id"]
                           if rows else [], synced_column="last_synced")
    return {"makers": _counts(created, len(rows), kept)}


def _write_connectors(parsed):
    rows = [{**{name: r.get(name) for name in parsed.present}, "is_builtin": r["connector_id"] in refs.BUILTIN}
            for r in parsed.records]
    names = sorted((parsed.present | {"is_builtin"}) - {"connector_id"})
    _, created, kept = _upsert(Connector, rows, "connector_id", names, synced_column="last_seen_run")
    return {"connectors": _counts(created, len(rows), kept)}


WRITERS = {"apps": _write_items, "flows": _write_items, "environments": _write_environments,
           "makers": _write_makers, "connectors": _write_connectors}
