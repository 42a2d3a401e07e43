"""Dataverse Web API routes ({org}/api/data/v9.x): the `bots` and `powerpagesites` tables.

Each environment with Dataverse has an org; the fake serves every org under one loopback
server, at `{server}/{org}`, and points the environments' `instanceUrl` there. Pages follow
the Web API: `Prefer: odata.maxpagesize=N` (default and cap 5,000), `@odata.nextLink` with
an opaque `$skiptoken`, `$select` honoured, `owninguser` expanded on request.
"""

import json
import re
import uuid
from functools import partial

from .common import error, invalid_skiptoken, next_link, span
from .render import iso
from .server import Response

__all__ = ["audiences", "org_of", "routes"]

ORG = r"/(?P<org>[^/]+)/api/data/v9\.[0-9]+"
MAX_PAGE_SIZE = 5000
PAGE_SIZE = re.compile(r"odata\.maxpagesize=(\d+)", re.IGNORECASE)
KEYS = {"bots": "botid", "powerpagesites": "powerpagesiteid"}


def routes(ctx):
    """(method, pattern, view, needs api-version) for the Dataverse server."""
    return [("GET", ORG + rf"/(?P<table>{'|'.join(KEYS)})", partial(list_rows, ctx), False)]


def org_of(request):
    """The org a request is for: the first segment of its path."""
    return request.path.strip("/").split("/", 1)[0].lower()


def audiences(request):
    """A Dataverse token's audience is its org's URL."""
    return (f"{request.base_url}/{org_of(request)}",)


def _environment(tenant, org):
    for env in tenant.environments:
        if env.dataverse and env.dataverse["domainName"] == org:
            return env
    return None


def list_rows(ctx, request, org, table):
    """GET a table's rows, page by page."""
    env = _environment(ctx.tenant, org.lower())
    if env is None:
        return error(404, "0x80040217", f"The organization '{org}' does not exist.")
    rows = env.tables.get(table, [])
    kind = f"dataverse:{org}:{table}"
    start = ctx.codec.decode(kind, request.query.get("$skiptoken"))
    if start is None or start > len(rows):
        return invalid_skiptoken()
    wanted = PAGE_SIZE.search(request.headers.get("Prefer") or "")
    size = max(1, min(int(wanted.group(1)) if wanted else MAX_PAGE_SIZE, MAX_PAGE_SIZE))
    chosen, following = span(rows, start, size, lambda row: not row.removed)
    selected = [name.strip() for name in request.query.get("$select", "").split(",") if name.strip()]
    expand_owner = "owninguser" in request.query.get("$expand", "").lower()
    body = {"@odata.context": f"{request.base_url}/{org}/api/data/v9.2/$metadata#{table}",
            "value": [_row(table, row, selected, expand_owner) for row in chosen]}
    if following is not None:
        body["@odata.nextLink"] = next_link(request, ctx.codec.encode(kind, following))
    headers = {"Preference-Applied": f"odata.maxpagesize={size}"} if wanted else {}
    return Response(200, json.dumps(body).encode(), headers, content_type="application/json; odata.metadata=minimal")


def _row(table, row, selected, expand_owner):
    owner_id = str(uuid.uuid5(uuid.NAMESPACE_OID, row.owner.oid))
    item = {KEYS[table]: row.row_id, "name": row.name, "statecode": row.state, "statuscode": row.state + 1,
            "createdon": iso(row.created), "modifiedon": iso(row.modified), "_ownerid_value": owner_id,
            "versionnumber": int(row.modified)}
    if table == "bots":
        item.update({"schemaname": f"cr_{row.row_id[:8]}", "publishedon": iso(row.published) if row.published else None,
                     "language": 1033, "authenticationmode": 2})
    else:
        item.update({"primarydomainname": row.domain, "datamodelversion": 2})
    if selected:
        item = {name: value for name, value in item.items() if name in selected}
    item = {"@odata.etag": f'W/"{int(row.modified)}"', **item}
    if expand_owner:
        item["owninguser"] = {"systemuserid": owner_id, "azureactivedirectoryobjectid": row.owner.oid}
    return item
