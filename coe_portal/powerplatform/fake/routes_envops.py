"""BAP environment operations: copy an environment (copyTo) and poll its operation.

Modelled on Copy-PowerAppEnvironment: POST .../environments/{target}/copyTo answers 202 with a
Location; the operation answers 404 on its first poll (the record may not exist yet), then
Running for a few polls, then Succeeded. The target must be a sandbox (or trial, from a trial),
in the source's geo, and neither side the default environment.
"""

import threading
import uuid
from functools import partial

from .common import error
from .server import Response

__all__ = ["CopyOperations", "routes"]

BAP_ENVIRONMENTS = r"(?i)/providers/Microsoft\.BusinessAppPlatform/environments"


class CopyOperations:
    """The copy operations the fake has accepted, each advancing one step per poll."""

    def __init__(self, running_polls=2, first_poll_missing=True):
        self.running_polls, self.first_poll_missing = running_polls, first_poll_missing
        self.polls, self.requests = {}, {}
        self.lock = threading.Lock()

    def start(self, body):
        operation_id = str(uuid.uuid4())
        with self.lock:
            self.polls[operation_id], self.requests[operation_id] = 0, body
        return operation_id

    def poll(self, operation_id):
        """Return the status after this poll: None (not found yet), Running or Succeeded."""
        with self.lock:
            if operation_id not in self.polls:
                return "Unknown"
            self.polls[operation_id] += 1
            count = self.polls[operation_id]
        if self.first_poll_missing and count == 1:
            return None
        return "Running" if count <= self.running_polls + int(self.first_poll_missing) else "Succeeded"


def routes(ctx):
    """(method, pattern, view, needs api-version) for the BAP server's environment operations."""
    if not hasattr(ctx, "copy_operations"):
        ctx.copy_operations = CopyOperations()
    return [
        ("POST", BAP_ENVIRONMENTS + r"/(?P<env>[^/]+)/copyTo", partial(copy_to, ctx), True),
        ("GET", BAP_ENVIRONMENTS + r"/(?P<env>[^/]+)/operations/(?P<operation>[^/]+)",
         partial(copy_operation, ctx), True),
    ]


def copy_to(ctx, request, env):
    """POST copyTo: check the pair, then accept with a Location to poll."""
    target = ctx.tenant.environment(env)
    if target is None:
        return error(404, "EnvironmentNotFound", f"The environment '{env}' could not be found.")
    body = request.json() or {}
    source = ctx.tenant.environment(str(body.get("sourceEnvironmentId", "")))
    if source is None:
        return error(400, "InvalidSourceEnvironment", "The source environment could not be found.")
    refusal = _refusal(source, target, body)
    if refusal:
        return error(400, "EnvironmentCopyNotAllowed", refusal)
    operation_id = ctx.copy_operations.start({"source": source.name, "target": target.name, **body})
    location = (f"{request.base_url}/providers/Microsoft.BusinessAppPlatform/environments/{target.name}"
                f"/operations/{operation_id}?api-version=2019-05-01")
    return Response(202, b"", {"Location": location, "Retry-After": "1"})


def _refusal(source, target, body):
    if source.is_default or target.is_default:
        return "Environments of type Default cannot be copied from or to."
    if target.sku == "Production":
        return "Production environments cannot be the target of a copy."
    if (source.sku in ("Trial", "SubscriptionBasedTrial")) != (target.sku in ("Trial", "SubscriptionBasedTrial")):
        return "A trial environment can only be copied to a trial environment."
    if source.location != target.location:
        return "The source and target environments must be in the same region."
    if body.get("copyType") not in ("FullCopy", "MinimalCopy"):
        return "copyType must be FullCopy or MinimalCopy."
    return ""


def copy_operation(ctx, request, env, operation):
    """GET the copy operation: 404 at first, then Running, then Succeeded."""
    status = ctx.copy_operations.poll(operation)
    if status is None or status == "Unknown":
        return error(404, "OperationNotFound", f"The operation '{operation}' could not be found.")
    return Response(200, {"id": operation, "name": operation, "properties": {"status": status,
                                                                            "environmentName": env}})
