"""Steps 4-6, in the target environment: map connections, import (one at a time per target), verify.

The import needs a connection for every connection reference (ImportSolutionAsync's
ComponentParameters), so connections are mapped before it, not after.
"""

from django.conf import settings
from django.utils import timezone

from coe_portal.core.ratelimit import shared_client
from coe_portal.powerplatform.errors import ImportBusy, PowerPlatformError

from ...models import RequestItem
from .common import LATER, StepFailed, Wait, items_of, solution_name, source_environment
from .steps_source import verify_backup

__all__ = ["activate", "connections", "import_", "import_lock"]


def connections(job, client):
    """Step 4: list the solution's connection references and the target's connections for each;
    wait for a person to pick one per reference unless every one is already bound."""
    if _picked(job):
        job.log("connections", f"{len(job.connection_refs)} connection references mapped by {job.bound_by}.")
        return {"connection_refs": job.connection_refs}
    source, target = source_environment(job), job.request.target
    refs = []
    for ref in client.solution_connection_references(source.dataverse_url, solution_name(job)):
        choices = [{"id": conn.id, "display_name": conn.display_name, "status": conn.status,
                    "created_by": conn.created_by, "created_by_email": conn.created_by_email}
                   for conn in client.connections(target.env_id, ref.connector_id)]
        refs.append({"logical_name": ref.logical_name, "connector_id": ref.connector_id,
                     "display_name": ref.display_name, "choices": choices})
    bound = {ref["logical_name"] for ref in refs
             if job.bindings.get(ref["logical_name"]) in {choice["id"] for choice in ref["choices"]}}
    if len(bound) < len(refs):
        job.log("connections", f"Waiting for a connection to be picked for {len(refs) - len(bound)} of "
                               f"{len(refs)} connection references.")
        return Wait({"connection_refs": refs})
    job.log("connections", f"{len(refs)} connection references mapped"
                           + (f" by {job.bound_by}." if job.bound_by else "."))
    return {"connection_refs": refs}


def _picked(job):
    """A person has just picked a connection for every reference this step listed (provide_bindings checked
    each one against the choices listed): nothing to list again. A connection deleted since then makes
    the import fail, naming it, with the source untouched."""
    return bool(job.bound_by and job.connection_refs
                and all(ref["logical_name"] in job.bindings for ref in job.connection_refs))


def import_lock(env_id):
    """The Redis lock that lets one import at a time into an environment (a second one fails in the tenant)."""
    return shared_client().lock(f"migrations:import:{env_id}", timeout=settings.MIGRATION_IMPORT_LOCK_SECONDS)


def import_(job, client):
    """Step 5: import the backed-up solution into the target with the bindings; skipped when already there.

    Unlike the export, the import is waited for in the worker: it holds the target's import lock,
    and a lock held between tasks would have other jobs' workers waiting for a poll that needs a
    worker to run.
    """
    target = job.request.target
    lock = import_lock(target.env_id)
    if not lock.acquire(blocking=True, blocking_timeout=settings.MIGRATION_IMPORT_WAIT_SECONDS):
        job.log("import", f"{target} is importing another solution; waiting for it.")
        return LATER
    try:
        # Only an import that may have reached the tenant before (a retry, a dead worker) needs the check.
        if job.steps.get("import", {}).get("sent") and _in_target(client, target, solution_name(job)):
            job.log("import", "The solution is already in the target: nothing to import.")
        else:
            content = verify_backup(job.backup.name, job.backup_sha256)
            job.note("import", sent=True)
            client.import_solution(target.dataverse_url, content, dict(job.bindings),
                                   poll_seconds=settings.MIGRATION_POLL_SECONDS)
            job.log("import", f"Imported {solution_name(job)} into {target}.")
    except ImportBusy:  # another portal, or a person, is importing there: the tenant allows one at a time
        job.log("import", f"{target} is busy with another import; trying again later.")
        return LATER
    finally:
        lock.release()
    return {"imported_at": timezone.now()}


def _in_target(client, target, unique):
    """The solution's items in the target, or [] when the target has no such solution yet."""
    try:
        return client.solution_items(target.env_id, target.dataverse_url, unique)
    except PowerPlatformError as exc:
        if type(exc) is PowerPlatformError and "not found" in str(exc):  # the client's "no such solution"
            return []
        raise


def activate(job, client):
    """Step 6: find each item's copy in the target, turn the flows on, store the new ids and addresses."""
    target = job.request.target
    found = client.solution_items(target.env_id, target.dataverse_url, solution_name(job))
    by_name = {(item.kind, item.display_name): item for item in found}
    apps, flows = items_of(job)
    missing = [str(item) for item in [*apps, *flows] if (_kind(item), item.display_name) not in by_name]
    if missing:
        raise StepFailed("Not found in the target after the import: " + ", ".join(missing))
    for row in job.request.items.select_related("app", "flow"):
        copy = by_name[(row.kind, row.item.display_name)]
        if row.kind == "flow" and copy.state != "Started":
            client.start_flow(target.env_id, copy.item_id)
        RequestItem.objects.filter(pk=row.pk).update(new_id=copy.item_id, new_url=copy.open_url or "")
    job.log("activate", f"{len(found)} items verified in {target}; flows turned on.")
    return {"verified_at": timezone.now()}


def _kind(item):
    return "app" if item._meta.model_name == "app" else "flow"
