"""What every step shares: the failure type, the outcome markers and the job's environments."""

import zipfile
from dataclasses import dataclass, field

from coe_portal.powerplatform.errors import PowerPlatformError

__all__ = ["FAILURES", "LATER", "POLL", "StepFailed", "Wait", "items_of", "solution_name", "source_environment"]


class StepFailed(Exception):
    """A step cannot go on; the message says what a person must do before retrying it."""


@dataclass
class Wait:
    """The step needs a person: the job waits in "needs input" with these outputs stored."""

    outputs: dict = field(default_factory=dict)


LATER = "later"  # the step cannot run now (the target is importing another solution): queue it again
# The tenant still runs the step's export (it took longer than MIGRATION_EXPORT_INLINE_SECONDS):
# look again after the poll interval, with the worker free meanwhile; a real export takes minutes.
POLL = "poll"
# Expected failures: recorded on the step, retried by a person. Anything else is a crash and the
# step is taken over by the next worker once its lease runs out.
FAILURES = (PowerPlatformError, StepFailed, OSError, ValueError, zipfile.BadZipFile)


def items_of(job):
    """(apps, flows) of the job's request, with their environments.

    Read once per loaded job: a request's items never change once it is approved, and the
    steps ask for them (and for the source environment) several times each.
    """
    if getattr(job, "_items", None) is None:
        items = list(job.request.items.select_related("app__environment", "flow__environment"))
        job._items = [row.app for row in items if row.app_id], [row.flow for row in items if row.flow_id]
    return job._items


def solution_name(job):
    """The unique name of the request's solution (letters, digits and underscores, as Dataverse wants)."""
    return job.solution_unique_name or f"coe_migration_{job.request_id}"


def source_environment(job):
    apps, flows = items_of(job)
    return (apps or flows)[0].environment
