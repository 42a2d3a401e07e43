"""Find or create what imported items point at: environments, makers and connectors, a set at a time."""

import re

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Lower

from coe_portal.core.bulk import copy_rows

from ...choices import EnvironmentType
from ...models import Connector, ConnectorUsage, Environment, Maker
from .rows import insert_new

__all__ = ["ensure_connectors", "ensure_environments", "makers_by_email", "makers_by_object_id", "replace_usages"]

BUILTIN = {"http", "httpwebhook", "request"}
# Display names the DLP CSVs may carry for connectors a sync has not catalogued yet.
KNOWN_CONNECTORS = {
    "approvals": "shared_approvals", "azure blob storage": "shared_azureblob",
    "excel online (business)": "shared_excelonlinebusiness", "mail": "shared_sendmail",
    "microsoft dataverse": "shared_commondataserviceforapps", "microsoft forms": "shared_microsoftforms",
    "microsoft teams": "shared_teams", "notifications": "shared_flowpush",
    "office 365 groups": "shared_office365groups",
    "office 365 outlook": "shared_office365", "office 365 users": "shared_office365users",
    "onedrive for business": "shared_onedriveforbusiness", "planner": "shared_planner", "power bi": "shared_powerbi",
    "rss": "shared_rss", "sharepoint": "shared_sharepointonline", "sql server": "shared_sql",
}


def ensure_environments(names):
    """Return ({env id: pk}, created count) for {env id: display name or None}; unknown ones are created."""
    default_of = {f"Default-{env_id}": env_id for env_id in names if not env_id.startswith("Default-")}
    # A lookup column gives the default environment's bare tenant GUID; the sync stores Default-<GUID>.
    aliases = {default_of[e]: e for e in Environment.objects.filter(env_id__in=default_of)
               .values_list("env_id", flat=True)}
    wanted = {aliases.get(env_id, env_id): name for env_id, name in names.items()}
    rows = [{"env_id": env_id, "display_name": name or env_id, "is_default": env_id.startswith("Default-"),
             "environment_type": EnvironmentType.DEFAULT if env_id.startswith("Default-") else EnvironmentType.OTHER}
            for env_id, name in wanted.items()]
    created = insert_new(Environment, rows, "env_id")
    stored = dict(Environment.objects.filter(env_id__in=wanted).values_list("env_id", "id"))
    return {env_id: stored[aliases.get(env_id, env_id)] for env_id in names}, len(created)


def _email_matches(emails, only_without_object_id=False):
    """Return {lower-case e-mail: maker pk} for makers whose e-mail or UPN is one of `emails`."""
    makers = Maker.objects.annotate(e=Lower("email"), u=Lower("user_principal_name"))
    makers = makers.filter(Q(e__in=emails) | Q(u__in=emails))
    if only_without_object_id:
        makers = makers.filter(entra_object_id__isnull=True)
    found = {}
    # A maker the sync knows (with an object id) wins over one an earlier import made.
    for pk, email, upn in makers.order_by("entra_object_id", "id").values_list("id", "e", "u"):
        for address in (email, upn):
            if address in emails:
                found.setdefault(address, pk)
    return found


def _adopt(people):
    """Give e-mail-only makers the object id of the person with that address; return the object ids adopted."""
    by_address = {}
    for object_id, person in people.items():
        for address in (person.get("email"), person.get("upn")):
            if address:
                by_address.setdefault(address.lower(), object_id)
    pairs = {}
    for address, pk in _email_matches(set(by_address), only_without_object_id=True).items():
        if pk not in pairs and by_address[address] not in pairs.values():
            pairs[pk] = by_address[address]
    if pairs:
        with connection.cursor() as cursor:
            cursor.execute('UPDATE "inventory_maker" AS m SET entra_object_id = v.oid FROM unnest(%s::bigint[], '
                           "%s::uuid[]) AS v(id, oid) WHERE m.id = v.id", [list(pairs), list(pairs.values())])
    return set(pairs.values())


def makers_by_object_id(people):
    """Return ({object id: pk}, created, adopted) for {object id: {display_name, email, upn}}."""
    stored = {str(oid) for oid in Maker.objects.filter(entra_object_id__in=people)
              .values_list("entra_object_id", flat=True)}
    adopted = _adopt({oid: person for oid, person in people.items() if oid not in stored})
    rows = [{"entra_object_id": oid, "display_name": person.get("display_name") or "",
             "email": person.get("email") or "", "user_principal_name": person.get("upn") or ""}
            for oid, person in people.items() if oid not in stored and oid not in adopted]
    created = insert_new(Maker, rows, "entra_object_id")
    ids = {str(oid): pk for oid, pk in Maker.objects.filter(entra_object_id__in=people)
           .values_list("entra_object_id", "id")}
    return ids, len(created), len(adopted)


def makers_by_email(people):
    """Return ({lower-case e-mail: pk}, created) for {lower-case e-mail: {display_name, email}}."""
    found = _email_matches(set(people))
    missing = [address for address in people if address not in found]
    copy_rows(Maker._meta.db_table, ["email", "display_name"],
              [(people[a]["email"], people[a].get("display_name") or "") for a in missing])
    if missing:
        found.update(_email_matches(set(missing), only_without_object_id=True))
    return found, len(missing)


def _connector_for_name(name, by_name):
    lowered = name.lower()
    return by_name.get(lowered) or KNOWN_CONNECTORS.get(lowered) or "shared_" + re.sub(r"[^a-z0-9]", "", lowered)


def ensure_connectors(references):
    """Return ({reference: connector pk}, created) for ("id" | "name", value) references; unknown ones are created."""
    names = {value.lower() for kind, value in references if kind == "name"}
    by_name = {}
    for name, connector_id in (Connector.objects.annotate(n=Lower("display_name")).filter(n__in=names)
                               .order_by("id").values_list("n", "connector_id")):
        by_name.setdefault(name, connector_id)
    ids = {ref: ref[1] if ref[0] == "id" else _connector_for_name(ref[1], by_name) for ref in references}
    rows = {}
    for (kind, value), connector_id in ids.items():
        row = rows.setdefault(connector_id, {"connector_id": connector_id, "display_name": "",
                                             "is_builtin": connector_id in BUILTIN})
        if kind == "name":
            row["display_name"] = value
    created = insert_new(Connector, list(rows.values()), "connector_id")
    pks = dict(Connector.objects.filter(connector_id__in=rows).values_list("connector_id", "id"))
    return {ref: pks[connector_id] for ref, connector_id in ids.items()}, len(created)


def replace_usages(owner_field, connectors_by_item):
    """Replace the usages of the items in {item pk: [connector pk]}; return (created, deleted)."""
    table = ConnectorUsage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{table}" WHERE "{owner_field}_id" = ANY(%s)', [list(connectors_by_item)])
        deleted = cursor.rowcount
    rows = [(item, connector, "", False, []) for item, connectors in connectors_by_item.items()
            for connector in dict.fromkeys(connectors)]
    copy_rows(table, [f"{owner_field}_id", "connector_id", "connection_id", "is_implicitly_shared", "data_sources"],
              rows)
    return len(rows), deleted
