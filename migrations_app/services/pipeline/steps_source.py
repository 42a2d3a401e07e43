"""Steps 1-3, in the source environment: pre-check, add the items to a solution, export it as a backup.

Each returns the outputs to store with the step; re-running one is harmless (the tenant calls
are idempotent, a verified backup is not made twice).
"""

import hashlib
import io
import time
import zipfile
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from coe_portal.powerplatform.errors import ApiError, ExportFailed
from inventory.choices import AppKind
from inventory.models import Connector, ConnectorUsage

from .common import POLL, StepFailed, items_of, solution_name, source_environment

__all__ = ["export", "package", "precheck"]

# Seed 001: what a package or solution does not carry, and the manual step for each.
MANUAL_STEPS = {
    "custom_connector": "Custom connector {name}: not exported; recreate or import it in the target before the "
                        "import, then pick it for the connection.",
    "connection": "Connection {name}: credentials are not exported; pick or create a connection in the target.",
    "model_driven": "Model-driven app {name}: move its Dataverse customizations with the environment's "
                    "solution first.",
    "gateway": "Gateway used by {name}: gateways serve the default environment only; recreate the data source "
               "in the target.",
}


def precheck(job, client):
    """Step 1: the items still exist; name what the target needs and what must be done by hand."""
    apps, flows = items_of(job)
    target, source = job.request.target, source_environment(job)
    problems = [f"{env} has no Dataverse database: solutions need one." for env in (source, target)
                if not env.has_dataverse]
    problems += [f"{item} was deleted from the tenant." for item in [*apps, *flows] if item.is_deleted]
    for flow in flows:
        problems += _flow_gone(client, flow)
    used, limit = target.capacity_used_mb, target.capacity_limit_mb
    if used is not None and limit and used >= limit:
        problems.append(f"{target} has no capacity left ({used:.0f} of {limit:.0f} MB).")
    if problems:
        raise StepFailed(" ".join(problems))
    unsupported = _unsupported(apps, flows)
    job.log("precheck", f"{len(apps)} apps and {len(flows)} flows checked; {len(unsupported)} manual steps.")
    return {"precheck": {"unsupported": unsupported, "missing_dependencies": []}}


def _flow_gone(client, flow):
    try:
        client.flow_detail(flow.environment.env_id, flow.flow_id)
    except ApiError as exc:
        if exc.status == 404:
            return [f"{flow} no longer exists in the tenant."]
        raise
    return []


def _unsupported(apps, flows):
    usages = ConnectorUsage.objects.filter(app__in=apps) | ConnectorUsage.objects.filter(flow__in=flows)
    custom = Connector.objects.filter(is_custom=True, usages__in=usages).distinct()
    found = [MANUAL_STEPS["custom_connector"].format(name=c.display_name or c.connector_id) for c in custom]
    found += [MANUAL_STEPS["model_driven"].format(name=app) for app in apps if app.kind == AppKind.MODEL_DRIVEN]
    found += [MANUAL_STEPS["gateway"].format(name=app) for app in apps
              if any("gateway" in str(source).lower() for source in app.data_sources)]
    return found


def package(job, client):
    """Step 2: create the request's solution and add the apps (made solution-aware) and flows to it."""
    apps, flows = items_of(job)
    source = source_environment(job)
    org, unique = source.dataverse_url, solution_name(job)
    solution_id = client.create_solution(org, unique, f"CoE migration #{job.request_id}")
    for app in apps:
        client.add_app_to_solution(source.env_id, org, app.app_id, unique, solution_id)
    if flows:
        client.add_flows_to_solution(source.env_id, org, [flow.flow_id for flow in flows], solution_id)
    job.log("package", f"Solution {unique} holds {len(apps)} apps and {len(flows)} flows.")
    # Components the solution needs but does not hold (tables, custom connectors): the target must have
    # them, or the import fails and says so (the source stays untouched). Shown as manual steps.
    missing = [dependency.description for dependency in client.missing_dependencies(org, unique)]
    if missing:
        job.log("package", f"{len(missing)} dependencies outside the solution; the target must have them: "
                           + "; ".join(missing[:5]))
    return {"solution_unique_name": unique, "solution_id": solution_id,
            "precheck": {**job.precheck, "missing_dependencies": missing}}


def export(job, client):
    """Step 3: export the solution and keep it as a verified backup (checksum read back from storage).

    The tenant exports asynchronously: the first run starts the export and notes its operation,
    then polls it for MIGRATION_EXPORT_INLINE_SECONDS; a longer export is polled by later runs (the
    worker is free in between). The file is stored once it is ready.
    """
    if job.backup_verified_at and job.backup:
        job.log("export", "The backup is already stored and verified.")
        return {}
    org, record = source_environment(job).dataverse_url, job.steps.get("export", {})
    if not record.get("operation"):
        started = client.start_export(org, solution_name(job))
        job.note("export", operation=started.operation_id, export_job=started.export_job_id,
                 since=timezone.now().isoformat())
    # A small export is ready within seconds: wait for it here rather than in the queue.
    inline_until = time.monotonic() + settings.MIGRATION_EXPORT_INLINE_SECONDS
    while not _export_ready(job, client, org):
        if time.monotonic() >= inline_until:
            return POLL
        time.sleep(settings.MIGRATION_POLL_SECONDS)
    content = client.download_export(org, job.steps["export"]["export_job"])
    digest = hashlib.sha256(content).hexdigest()
    name = job.backup.field.generate_filename(job, f"{solution_name(job)}.zip")
    name = default_storage.save(name, ContentFile(content))
    verify_backup(name, digest)
    job.log("export", f"Exported {len(content):,} bytes, SHA-256 {digest[:12]}…, stored and verified.")
    return {"backup": name, "backup_sha256": digest, "backup_size": len(content),
            "backup_verified_at": timezone.now()}


def _export_ready(job, client, org):
    """Poll the noted export once. A failed or overdue export is forgotten (a retry of the step starts
    a new one) and fails the step."""
    record, timeout = job.steps["export"], settings.MIGRATION_EXPORT_TIMEOUT_SECONDS
    try:
        if client.operation_done(org, record["operation"], ExportFailed):
            return True
        if (timezone.now() - datetime.fromisoformat(record["since"])).total_seconds() <= timeout:
            return False
        raise ExportFailed(f"did not finish within {timeout} s", org)
    except ExportFailed:
        job.note("export", operation="")
        raise


def verify_backup(name, digest):
    """Read the stored file back: same checksum, a readable zip. Return its bytes."""
    with default_storage.open(name, "rb") as stored:
        kept = stored.read()
    if hashlib.sha256(kept).hexdigest() != digest:
        raise StepFailed("The stored backup does not match its checksum.")
    with zipfile.ZipFile(io.BytesIO(kept)) as archive:
        if archive.testzip() is not None:
            raise StepFailed("The backup is not a readable zip file.")
    return kept
