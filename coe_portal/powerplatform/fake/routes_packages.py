"""BAP legacy packaging (power-platform-api.md, section 13): list resources, export, poll, download.

The export answers 202 with a Location to poll; the finished operation links a SAS URL that
is fetched without a bearer token (the one public route: `PUBLIC` instead of a version rule).
"""

import io
import json
import re
import secrets
import zipfile
from functools import partial

from .common import error
from .server import Response

__all__ = ["PUBLIC", "routes"]

PUBLIC = "public"
ENV = r"(?i)/providers/Microsoft\.BusinessAppPlatform/environments/(?P<env>[^/]+)"
RESOURCE = re.compile(r"/providers/Microsoft\.(PowerApps/apps|Flow/flows)/([^/]+)$", re.IGNORECASE)


def routes(ctx):
    """(method, pattern, view, needs api-version) for the packaging calls, on the BAP server."""
    ctx.packages = getattr(ctx, "packages", {})
    return [
        ("POST", ENV + r"/listPackageResources", partial(list_resources, ctx), True),
        ("POST", ENV + r"/exportPackage", partial(export_package, ctx), True),
        ("GET", ENV + r"/packagingOperations/(?P<op>[^/]+)", partial(operation, ctx), True),
        ("GET", r"/packageblobs/(?P<op>[^/]+)\.zip", partial(download, ctx), PUBLIC),
    ]


def _resource(ctx, env, resource_id):
    found = RESOURCE.search(resource_id or "")
    if not found:
        return None, None
    kind, name = found.group(1).lower(), found.group(2)
    item = ctx.tenant.app(env, name) if kind == "powerapps/apps" else ctx.tenant.flow(env, name)
    return ("Microsoft.PowerApps/apps" if kind == "powerapps/apps" else "Microsoft.Flow/flows"), item


def list_resources(ctx, request, env):
    """POST listPackageResources: the item and what it depends on, or an errors list when missing."""
    environment = ctx.tenant.environment(env)
    if environment is None:
        return ctx.denied(env)
    ids = (request.json() or {}).get("baseResourceIds") or []
    resources, errors = {}, []
    for resource_id in ids:
        kind, item = _resource(ctx, env, resource_id)
        if item is None:
            errors.append({"code": "ConnectionAuthorizationFailed", "message": f"{resource_id} was not found"})
            continue
        children = _dependencies(environment, item, resources)
        resources[item.name] = {"id": resource_id, "name": item.name, "type": kind, "creationType": "New, Update",
                                "suggestedCreationType": "New", "details": {"displayName": item.display_name},
                                "configurableBy": "User", "hierarchy": "Root", "dependsOn": children}
    body = {"status": "Failed" if errors else "Succeeded", "baseResourceIds": ids, "resources": resources}
    if errors:
        body["errors"] = errors
    return Response(200, json.dumps(body).encode())


def _dependencies(env, item, resources):
    """Add the connectors and connections `item` uses to `resources`; return their keys."""
    owner = getattr(item, "owner", None) or item.creator
    keys = []
    for connector in item.connectors:
        api_key = f"api-{connector.name}"
        resources.setdefault(api_key, {
            "id": connector.id, "name": connector.name, "type": "Microsoft.PowerApps/apis",
            "creationType": "Existing", "suggestedCreationType": "Existing", "configurableBy": "System",
            "hierarchy": "Child", "dependsOn": [],
            "details": {"displayName": connector.display_name, "iconUri": connector.icon_uri}})
        connection = env.connections.get((owner.index, connector.name))
        connection_key = f"connection-{connector.name}"
        resources.setdefault(connection_key, {
            "id": f"{connector.id}/connections/{connection.name if connection else connector.name}",
            "name": connection.name if connection else "", "type": "Microsoft.PowerApps/apis/connections",
            "creationType": "Existing", "suggestedCreationType": "Existing", "configurableBy": "User",
            "hierarchy": "Child", "dependsOn": [api_key], "details": {"displayName": owner.mail}})
        keys += [api_key, connection_key]
    return keys


def export_package(ctx, request, env):
    """POST exportPackage: 202 and a packaging operation to poll; creation types are checked per resource."""
    payload = request.json() or {}
    resources = payload.get("resources") or {}
    items = []
    for resource_id in payload.get("includedResourceIds") or []:
        if not RESOURCE.search(resource_id or ""):
            continue  # connectors and connections travel as placeholders
        kind, item = _resource(ctx, env, resource_id)
        if item is None:
            return error(404, "ResourceNotFound", f"{resource_id} was not found")
        items.append((kind, item))
    for key, entry in resources.items():
        allowed = [value.strip() for value in str(entry.get("creationType", "")).split(",")]
        chosen = entry.get("suggestedCreationType")
        if chosen and chosen not in allowed:
            return error(400, "InvalidCreationType", f"Resource '{key}' cannot be imported as '{chosen}'; "
                                                     f"allowed: {', '.join(allowed)}.")
    if not items:
        return error(400, "InvalidPackage", "includedResourceIds is empty")
    op = secrets.token_hex(8)
    ctx.packages[op] = {"zip": _zip(env, items, payload.get("details") or {}, resources), "polls": 0}
    location = f"{request.base_url}/providers/Microsoft.BusinessAppPlatform/environments/{env}/packagingOperations/{op}"
    body = {"name": op, "properties": {"status": "Running"}}
    return Response(202, json.dumps(body).encode(), {"Location": f"{location}?api-version=2016-11-01"})


def _zip(env, items, details, resources=None):
    buffer = io.BytesIO()
    options = {key: {"type": entry.get("type"), "id": entry.get("id"),
                     "creationType": entry.get("suggestedCreationType") or ""}
               for key, entry in (resources or {}).items()}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps({"schema": "1.0", "details": details, "environment": env,
                                                      "resources": [{"type": k, "name": i.name} for k, i in items],
                                                      "importOptions": options}))
        for kind, item in items:
            archive.writestr(f"Microsoft.{kind.split('.', 1)[1]}/{item.name}/definition.json",
                             json.dumps({"name": item.name, "displayName": item.display_name}))
    return buffer.getvalue()


def operation(ctx, request, env, op):
    """GET a packaging operation: Running on the first poll, then Succeeded with a SAS link."""
    entry = ctx.packages.get(op)
    if entry is None:
        return error(404, "OperationNotFound", f"Packaging operation '{op}' was not found.")
    entry["polls"] += 1
    if entry["polls"] < 2:
        return Response(200, json.dumps({"name": op, "properties": {"status": "Running"}}).encode())
    entry.setdefault("sig", secrets.token_urlsafe(12))
    link = f"{request.base_url}/packageblobs/{op}.zip?sv=2020-08-04&sig={entry['sig']}"
    body = {"name": op, "properties": {"status": "Succeeded", "packageLink": {"value": link}}}
    return Response(200, json.dumps(body).encode())


def download(ctx, request, op):
    """GET the package by its SAS URL; a wrong signature is refused as Azure Blob does."""
    entry = ctx.packages.get(op)
    if entry is None or request.query.get("sig") != entry.get("sig"):
        return error(403, "AuthenticationFailed", "Server failed to authenticate the request.")
    return Response(200, entry["zip"], content_type="application/zip")
