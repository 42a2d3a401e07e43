"""BAP legacy package import (power-platform-api.md, section 14): storage, upload, parameters, validate, import.

generateResourceStorage hands out a SAS container URL; the package is PUT there without a bearer
token; listImportParameters and importPackage answer 202 with a Location that stays Running for
one poll. The import creates (New) or updates (Update, with the item's id) the app or flow in the
environment, bound to existing connections chosen per connection resource.
"""

import io
import json
import random
import secrets
import uuid
import zipfile
from functools import partial

from .common import error
from .model import App, Flow
from .routes_packages import ENV, PUBLIC
from .server import Response
from .solution_package import _connector
from .solution_store import SolutionError

__all__ = ["routes"]


def routes(ctx):
    """(method, pattern, view, needs api-version) for package import, on the BAP server."""
    ctx.blobs = getattr(ctx, "blobs", {})  # container -> {"sig", "files": {name: bytes}}
    ctx.import_operations = getattr(ctx, "import_operations", {})
    return [
        ("POST", ENV + r"/generateResourceStorage", partial(storage, ctx), True),
        ("PUT", r"/packageblobs/(?P<container>[0-9a-f]+)/(?P<name>[^/]+)", partial(upload, ctx), PUBLIC),
        ("POST", ENV + r"/listImportParameters", partial(list_parameters, ctx), True),
        ("POST", ENV + r"/validateImportPackage", partial(validate, ctx), True),
        ("POST", ENV + r"/importPackage", partial(import_package, ctx), True),
        ("GET", ENV + r"/(?P<kind>listImportOperations|importOperations)/(?P<op>[^/]+)", partial(poll, ctx), True),
    ]


def storage(ctx, request, env):
    """POST generateResourceStorage: a container SAS URL."""
    if ctx.tenant.environment(env) is None:
        return ctx.denied(env)
    container, sig = secrets.token_hex(8), secrets.token_urlsafe(12)
    ctx.blobs[container] = {"sig": sig, "files": {}}
    link = f"{request.base_url}/packageblobs/{container}?sv=2020-08-04&sig={sig}"
    return Response(200, {"sharedAccessSignature": link})


def upload(ctx, request, container, name):
    """PUT a block blob into a container; the SAS signature is the credential."""
    entry = ctx.blobs.get(container)
    if entry is None or request.query.get("sig") != entry["sig"]:
        return error(403, "AuthenticationFailed", "Server failed to authenticate the request.")
    if (request.headers.get("x-ms-blob-type") or "") != "BlockBlob":
        return error(400, "MissingRequiredHeader", "The x-ms-blob-type header is mandatory for this request.")
    entry["files"][name] = request.body
    return Response(201, b"")


def _package(ctx, link):
    for container, entry in ctx.blobs.items():
        for name, content in entry["files"].items():
            if f"/packageblobs/{container}/{name}" in (link or ""):
                return content
    return None


def _manifest(content):
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            names = [n for n in archive.namelist() if n.endswith("definition.json")]
            definitions = {n: json.loads(archive.read(n)) for n in names}
    except (zipfile.BadZipFile, KeyError, ValueError):
        return None, {}
    return manifest, definitions


def _operation(ctx, request, env, kind, body):
    op = secrets.token_hex(8)
    ctx.import_operations[op] = {"polls": 0, "body": body}
    location = f"{request.base_url}/providers/Microsoft.BusinessAppPlatform/environments/{env}/{kind}/{op}"
    return Response(202, {"name": op, "properties": {"status": "Running"}},
                    {"Location": f"{location}?api-version=2016-11-01", "Retry-After": "1"})


def list_parameters(ctx, request, env):
    """POST listImportParameters: 202; the operation lists the package's resources with suggested ids."""
    environment = ctx.tenant.environment(env)
    if environment is None:
        return ctx.denied(env)
    link = ((request.json() or {}).get("packageLink") or {}).get("value")
    manifest, _ = _manifest(_package(ctx, link) or b"")
    if manifest is None:
        return error(400, "InvalidPackage", "The package could not be read.")
    resources = {}
    for key, entry in (manifest.get("importOptions") or {}).items():
        resource = {"type": entry.get("type"), "id": entry.get("id"),
                    "suggestedCreationType": entry.get("creationType")}
        if str(entry.get("type", "")).endswith("/connections"):
            connector = str(entry.get("id", "")).lower().split("/apis/")[-1].split("/")[0]
            found = next((c for c in environment.connection_list if not c.removed
                          and c.connector.name.lower() == connector), None)
            resource.update(creationType="Existing", suggestedId=found.name if found else None)
        else:
            resource["creationType"] = "New, Update" if entry.get("type", "").endswith(("/apps", "/flows")) else \
                "Existing"
        resources[key] = resource
    body = {"status": "Succeeded", "packageLink": {"value": link}, "details": manifest.get("details") or {},
            "resources": resources}
    return _operation(ctx, request, env, "listImportOperations", body)


def _problems(environment, resources):
    live = {c.name.lower() for c in environment.connection_list if not c.removed}
    problems = []
    for key, entry in resources.items():
        chosen, kind = entry.get("selectedCreationType"), str(entry.get("type", ""))
        if kind.endswith("/connections") and (chosen != "Existing" or str(entry.get("id", "")).lower() not in live):
            problems.append(f"Resource '{key}': choose an existing connection in this environment.")
        elif kind.endswith(("/apps", "/flows")) and chosen not in ("New", "Update"):
            problems.append(f"Resource '{key}': choose New or Update.")
        elif kind.endswith("/apps") and chosen == "Update" and entry.get("id") not in environment.app_index:
            problems.append(f"Resource '{key}': the app to update does not exist in this environment.")
        elif kind.endswith("/flows") and chosen == "Update" and entry.get("id") not in environment.flow_index:
            problems.append(f"Resource '{key}': the flow to update does not exist in this environment.")
    return problems


def validate(ctx, request, env):
    """POST validateImportPackage: Succeeded, or Failed with the errors listed."""
    environment = ctx.tenant.environment(env)
    if environment is None:
        return ctx.denied(env)
    problems = _problems(environment, (request.json() or {}).get("resources") or {})
    body = {"status": "Failed" if problems else "Succeeded", "errors": [{"message": p} for p in problems]}
    return Response(200, body)


def import_package(ctx, request, env):
    """POST importPackage: 202; the operation ends Succeeded with the created or updated item's id per resource."""
    environment = ctx.tenant.environment(env)
    if environment is None:
        return ctx.denied(env)
    payload = request.json() or {}
    resources = payload.get("resources") or {}
    problems = _problems(environment, resources)
    manifest, definitions = _manifest(_package(ctx, (payload.get("packageLink") or {}).get("value")) or b"")
    if manifest is None:
        problems.append("The package could not be read.")
    if problems:
        body = {"status": "Failed", "errors": [{"message": p} for p in problems], "resources": resources}
        return _operation(ctx, request, env, "importOperations", body)
    try:
        with ctx.tenant.lock:
            for entry in resources.values():
                if str(entry.get("type", "")).endswith(("/apps", "/flows")):
                    entry["id"] = _install(ctx.tenant, environment, entry, resources, definitions)
                    entry["importStatus"] = "Succeeded"
    except SolutionError as exc:  # a connector the target does not have
        return _operation(ctx, request, env, "importOperations",
                          {"status": "Failed", "errors": [{"message": exc.message}], "resources": resources})
    return _operation(ctx, request, env, "importOperations", {"status": "Succeeded", "resources": resources})


def _install(tenant, env, entry, resources, definitions):
    is_app = entry["type"].endswith("/apps")
    display = next((d.get("displayName") for n, d in definitions.items() if ("PowerApps/apps" in n) == is_app), "")
    connectors = tuple(_connector(env, r["id"]) for r in resources.values() if r.get("type", "").endswith("/apis"))
    if entry.get("selectedCreationType") == "Update":
        item = (env.app_index if is_app else env.flow_index)[entry["id"]]
        tenant.keep_version(item)
        item.display_name, item.modified = display or item.display_name, tenant.timestamp()
        item.changed()
        return item.name
    rng, now = random.Random(), tenant.timestamp()
    name, owner = str(uuid.uuid4()), tenant.makers[0]
    if is_app:
        env.add_app(App(seq=2_000_000 + len(env.apps), name=name, env=env.name, display_name=display, kind="canvas",
                        owner=owner, created=now, modified=now, published=now, shared_users=0, shared_groups=0,
                        connectors=connectors, solution=False, seed=rng.getrandbits(32)))
    else:
        env.add_flow(Flow(seq=2_000_000 + len(env.flows), name=name, env=env.name, display_name=display,
                          state="Stopped", suspension="None", creator=owner, created=now, modified=now,
                          workflow_id=None, trigger="button", connectors=connectors, http_action=False,
                          seed=rng.getrandbits(32)))
    return name


def poll(ctx, request, env, kind, op):
    """GET an import operation: Running on the first poll, then its result."""
    entry = ctx.import_operations.get(op)
    if entry is None:
        return error(404, "OperationNotFound", f"Operation '{op}' was not found.")
    entry["polls"] += 1
    if entry["polls"] < 2:
        return Response(200, {"name": op, "properties": {"status": "Running"}})
    return Response(200, {"name": op, "properties": entry["body"]})
