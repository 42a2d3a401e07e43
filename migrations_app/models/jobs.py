"""The migration job of an approved request: eight steps, each recorded before the next begins.

Every change of `state` or `step` is a conditional UPDATE on the old values (Healthchecks'
claim), so two workers, a redelivered task or a retried step never run a step twice at once,
and a step that is done is never run again.
"""

from contextlib import nullcontext
from datetime import timedelta

from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from ..choices import JOB_STATE_COLOURS, JobState, RequestState, Step
from .requests import MigrationRequest, StateError, sync_items

__all__ = ["LEASE", "MigrationJob", "STEPS"]

STEPS = list(Step.values)
# How long a claimed step may run before another worker may take it over (the worker died).
LEASE = timedelta(minutes=20)
REQUEST_STATE = {JobState.QUEUED: RequestState.RUNNING, JobState.RUNNING: RequestState.RUNNING,
                 JobState.NEEDS_INPUT: RequestState.NEEDS_INPUT, JobState.FAILED: RequestState.FAILED,
                 JobState.DONE: RequestState.DONE, JobState.CANCELLED: RequestState.CANCELLED}


def _mirror(request_id, state):
    """Give the request the job's state; when that changed it, the request's items too (sync_items)."""
    if MigrationRequest.objects.filter(pk=request_id).exclude(state=state).update(state=state,
                                                                                 updated=timezone.now()):
        sync_items([request_id])


def _now():
    return timezone.now().isoformat()


class MigrationJob(models.Model):
    """The pipeline run of one request: current step, each step's state, log and timings, and its outputs."""

    request = models.OneToOneField(MigrationRequest, on_delete=models.CASCADE, related_name="job")
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.QUEUED, db_index=True)
    step = models.CharField(max_length=20, choices=Step.choices, default=Step.PRECHECK)
    steps = models.JSONField(default=dict, blank=True, help_text="{step: {state, started, finished, log, error}}")
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Outputs, each written by its step before the next step starts
    precheck = models.JSONField(default=dict, blank=True, help_text="Unsupported parts, missing dependencies")
    solution_unique_name = models.CharField(max_length=100, blank=True)
    solution_id = models.CharField(max_length=64, blank=True)
    backup = models.FileField(upload_to="migrations/%Y/%m/", max_length=300, blank=True)
    backup_sha256 = models.CharField(max_length=64, blank=True)
    backup_size = models.PositiveBigIntegerField(null=True, blank=True)
    backup_verified_at = models.DateTimeField(null=True, blank=True)
    connection_refs = models.JSONField(default=list, blank=True,
                                       help_text="[{logical_name, connector_id, display_name, choices}]")
    bindings = models.JSONField(default=dict, blank=True, help_text="{connection reference: connection id}")
    bound_by = models.CharField(max_length=150, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    delivery_id = models.BigIntegerField(null=True, blank=True, help_text="The comms message to the maker")
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    # Set by the runner while a step runs: its log lines are written with the step's outcome.
    defer_logs = False

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"Migration job #{self.pk}"

    def get_absolute_url(self):
        return reverse("migrations_app:request-detail", args=[self.request_id])

    def get_state_colour(self):
        return JOB_STATE_COLOURS[self.state]

    @property
    def is_finished(self):
        return self.state in (JobState.DONE, JobState.CANCELLED)

    @property
    def steps_done(self):
        return sum(1 for key in STEPS if self.steps.get(key, {}).get("state") == "done")

    @property
    def percent(self):
        return round(100 * self.steps_done / len(STEPS))

    def connections_left(self):
        """The connections the maker must still make or mend in the target, one sentence each.

        A reference bound to a working connection ("Connected") needs nothing; one without a binding,
        or bound to a connection in another state, does.
        """
        left = []
        for ref in self.connection_refs:
            chosen = self.bindings.get(ref["logical_name"])
            status = next((c.get("status", "") for c in ref.get("choices", []) if c["id"] == chosen), "")
            if not chosen:
                left.append(f"{ref['display_name']} ({ref['connector_id']})")
            elif status != "Connected":
                left.append(f"{ref['display_name']} ({ref['connector_id']}): the connection picked is "
                            f"{status or 'in an unknown state'}; fix it or make a new one")
        return left

    def step_rows(self):
        """[(Step, its record)] in order, for the progress page."""
        return [(Step(key), self.steps.get(key, {"state": "pending", "log": []})) for key in STEPS]

    # State changes: each a conditional UPDATE, mirrored on the request in the same transaction

    def _set(self, filters, **fields):
        """Apply `fields` if the row still matches `filters`; mirror a state change on the request.

        On success the object takes the new values without reading the row back (a refresh would
        also drop the cached request and its target, read again by the next step).
        """
        old = REQUEST_STATE.get(filters.get("state"))
        new = REQUEST_STATE.get(fields.get("state"))
        mirror = new is not None and new != old
        with transaction.atomic() if mirror else nullcontext():
            changed = MigrationJob.objects.filter(pk=self.pk, **filters).update(**fields)
            if changed and mirror:
                _mirror(self.request_id, new)
        if not changed:
            self.refresh_from_db()
            return False
        for name, value in fields.items():
            setattr(self, name, value)
        if new is not None and MigrationJob.request.is_cached(self):
            self.request.state = new
        return True

    def claim(self):
        """Queued -> running (or take over a running step whose worker's lease ran out); False if not ours.

        One UPDATE: the lease, the attempt, the job's start and the step's "started" record. It also
        requires the attempt count this object read, so the step records it writes are current.
        """
        if self.state not in (JobState.QUEUED, JobState.RUNNING):
            self.refresh_from_db()
        now = timezone.now()
        fields = self._claiming(self.steps, self.step)
        changed = MigrationJob.objects.filter(pk=self.pk, step=self.step, attempts=self.attempts).filter(
            models.Q(state=JobState.QUEUED) | models.Q(state=JobState.RUNNING, lease_until__lt=now)).update(
            **fields, started=Coalesce("started", models.Value(now)))
        if not changed:
            self.refresh_from_db()
            return False
        for name, value in fields.items():
            setattr(self, name, value)
        self.started = self.started or now
        return True

    def _claiming(self, steps, step):
        """The fields that give `step` to this worker: running, a fresh lease, one more attempt, "started" logged."""
        return {"step": step, "state": JobState.RUNNING, "lease_until": timezone.now() + LEASE,
                "attempts": self.attempts + 1, "steps": self._starting(steps, step)}

    @staticmethod
    def _starting(steps, step):
        """`steps` with `step` marked running and its "started" line logged."""
        record = dict(steps.get(step, {"log": []}))
        record.update(state="running", started=record.get("started") or _now(),
                      log=[*record.get("log", []), {"at": _now(), "message": f"{Step(step).label}: started."}])
        return {**steps, step: record}

    def _record(self, step, **changes):
        record = dict(self.steps.get(step, {"log": []}))
        record.update(changes)
        return {**self.steps, step: record}

    def log(self, step, message):
        """Append a line to a step's log (and mark the step started), visible to pollers at once.

        While `defer_logs` is set (the runner, during a step) the line stays on the object until
        the job's next write: the step's outcome or a note, a moment later.
        """
        record = self.steps.get(step, {"log": []})
        extra = {} if record.get("started") else {"started": _now(), "state": "running"}
        self.steps = self._record(step, log=[*record.get("log", []), {"at": _now(), "message": message}], **extra)
        if not self.defer_logs:
            MigrationJob.objects.filter(pk=self.pk).update(steps=self.steps)

    def note(self, step, **fields):
        """Remember something about a step in its record (e.g. that its tenant call was sent)."""
        steps = self._record(step, **fields)
        MigrationJob.objects.filter(pk=self.pk).update(steps=steps)
        self.steps = steps

    def complete_step(self, step, claim_next=False, **outputs):
        """Record `step` done with its outputs and move to the next step (or finish); False if not current.

        `claim_next`: the caller runs the next step at once, so the same UPDATE claims it (a fresh
        lease) instead of queueing it.
        """
        steps = self._record(step, state="done", finished=_now(), error="")
        following = STEPS.index(step) + 1
        fields = {"steps": steps, "error": "", **outputs}
        if following == len(STEPS):
            fields.update(state=JobState.DONE, finished=timezone.now())
        elif claim_next:
            fields.update(self._claiming(steps, STEPS[following]))
        else:
            fields.update(step=STEPS[following], state=JobState.QUEUED)
        return self._set({"step": step, "state": JobState.RUNNING}, **fields)

    def wait_for_input(self, step, **outputs):
        """The step needs a person (a connection to pick): running -> needs input."""
        steps = self._record(step, state="needs_input")
        return self._set({"step": step, "state": JobState.RUNNING}, state=JobState.NEEDS_INPUT, steps=steps,
                         **outputs)

    def fail_step(self, step, error):
        """Record why the step failed; the job waits until someone retries the step."""
        steps = self._record(step, state="failed", finished=_now(), error=str(error)[:2000])
        return self._set({"step": step, "state": JobState.RUNNING}, state=JobState.FAILED, steps=steps,
                         error=f"{Step(step).label}: {error}"[:2000])

    def requeue(self, step):
        """Give a running step back to the queue (e.g. the target is busy importing); False if not ours."""
        return self._set({"step": step, "state": JobState.RUNNING}, state=JobState.QUEUED, lease_until=None,
                         steps=self.steps)

    def retry(self):
        """Retry the failed step alone: failed -> queued at the same step."""
        steps = self._record(self.step, state="pending", error="")
        if not self._set({"state": JobState.FAILED}, state=JobState.QUEUED, steps=steps, error=""):
            raise StateError("Only a failed job can be retried.")

    def check_again(self):
        """Look at the target's connections again (one was just created there): needs input -> queued."""
        if not self._set({"state": JobState.NEEDS_INPUT}, state=JobState.QUEUED):
            raise StateError("The job is not waiting for connections.")

    def provide_bindings(self, bindings, who):
        """Store the connection picked for each reference and queue the job again (needs input -> queued)."""
        refs = {ref["logical_name"]: ref for ref in self.connection_refs}
        missing = sorted(set(refs) - set(bindings))
        if missing:
            raise StateError("Pick a connection for: " + ", ".join(refs[name]["display_name"] for name in missing))
        for name, connection_id in bindings.items():
            if connection_id not in {choice["id"] for choice in refs.get(name, {}).get("choices", [])}:
                raise StateError(f"{connection_id} is not a connection of {refs.get(name, {}).get('connector_id')} "
                                 "in the target environment.")
        if not self._set({"state": JobState.NEEDS_INPUT}, state=JobState.QUEUED, bindings=bindings, bound_by=who):
            raise StateError("The job is not waiting for connections.")
