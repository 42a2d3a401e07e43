"""Maker migration requests and the waves (scheduled batches) admins approve them into.

The state rules live here as methods that change the state with a conditional UPDATE, so a
maker's cancel and an admin's approval racing each other cannot both win.
"""

import uuid

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from coe_portal.core.choices import Role
from coe_portal.core.permissions import has_role
from coe_portal.dashboards.freshness import figures_changed
from inventory.models.base import AppOrFlow

from ..choices import REQUEST_STATE_COLOURS, RequestState, SourceAction, WaveState

__all__ = ["MigrationRequest", "RequestItem", "RequestQuerySet", "StateError", "Wave", "sync_items"]

# States a maker may still cancel from: nothing has run in the tenant yet.
CANCELLABLE = (RequestState.DRAFT, RequestState.REQUESTED, RequestState.APPROVED, RequestState.SCHEDULED)
DECIDABLE = (RequestState.REQUESTED,)
# States in which an item counts as on its way (a second request for it is refused).
OPEN = (RequestState.DRAFT, RequestState.REQUESTED, RequestState.APPROVED, RequestState.SCHEDULED, RequestState.RUNNING,
        RequestState.NEEDS_INPUT, RequestState.FAILED)
# Requests that say nothing about where an item is (a draft is not sent yet).
CLOSED = (RequestState.DRAFT, RequestState.REJECTED, RequestState.CANCELLED)


class StateError(ValueError):
    """A state change the rules do not allow (the message says why, for the person who asked)."""


# Waves

class Wave(models.Model):
    """A scheduled batch of approved requests, started together (by an admin or by beat at its start time)."""

    name = models.CharField(max_length=200)
    scheduled_start = models.DateTimeField(null=True, blank=True, help_text="Empty: started by hand")
    state = models.CharField(max_length=20, choices=WaveState.choices, default=WaveState.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("migrations_app:wave-detail", args=[self.pk])

    def claim_start(self):
        """Planned -> running, once; False when it already started."""
        now = timezone.now()
        started = Wave.objects.filter(pk=self.pk, state=WaveState.PLANNED).update(state=WaveState.RUNNING,
                                                                                  started=now)
        self.refresh_from_db()
        return bool(started)


# Requests

class RequestQuerySet(models.QuerySet):
    def sent(self):
        """The requests their makers have sent: a draft stays its maker's until then."""
        return self.exclude(state=RequestState.DRAFT)

    def visible_to(self, user):
        """CoE admins see every sent request (and their own drafts); anyone else only the requests they made."""
        if has_role(user, Role.COE_ADMIN):
            return self.filter(~Q(state=RequestState.DRAFT) | Q(requested_by=user))
        if not user.is_authenticated:
            return self.none()
        return self.filter(requested_by=user)


class MigrationRequest(models.Model):
    """A maker's request to move some of their apps and flows out of the default environment."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="migration_requests")
    # Empty on a draft made from an e-mail answer until its maker chooses: never chosen for them.
    target = models.ForeignKey("inventory.Environment", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    reason = models.TextField()
    preferred_from = models.DateField(null=True, blank=True, help_text="Earliest day that suits you")
    preferred_to = models.DateField(null=True, blank=True, help_text="Latest day that suits you")
    source_action = models.CharField(max_length=20, choices=SourceAction.choices, default=SourceAction.QUARANTINE)
    state = models.CharField(max_length=20, choices=RequestState.choices, default=RequestState.REQUESTED,
                             db_index=True)
    admin_message = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    wave = models.ForeignKey(Wave, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"Migration request #{self.pk}"

    def get_absolute_url(self):
        return reverse("migrations_app:request-detail", args=[self.pk])

    def get_state_colour(self):
        return REQUEST_STATE_COLOURS[self.state]

    @property
    def can_cancel(self):
        return self.state in CANCELLABLE

    def _move(self, allowed, new_state, why, **fields):
        """Change the state from one of `allowed` with a conditional UPDATE, or raise StateError(why)."""
        fields = {"state": new_state, "updated": timezone.now(), **fields}
        with transaction.atomic():
            if not MigrationRequest.objects.filter(pk=self.pk, state__in=allowed).update(**fields):
                self.refresh_from_db()
                raise StateError(why.format(state=self.get_state_display().lower()))
            sync_items([self.pk])
        self.refresh_from_db()

    def cancel(self):
        """The maker cancels: only before the job starts."""
        self._move(CANCELLABLE, RequestState.CANCELLED, "It can no longer be cancelled: it is {state}.")

    @property
    def awaits_start(self):
        """Sent, and waiting for the CoE team to decide or to start its wave: its page watches for the job."""
        return self.state in (RequestState.REQUESTED, RequestState.APPROVED, RequestState.SCHEDULED)

    @property
    def is_draft(self):
        return self.state == RequestState.DRAFT

    def send(self, target, reason, preferred_from=None, preferred_to=None, source_action=None):
        """The maker sends a draft, as checked or corrected, to the CoE team: draft -> requested."""
        extra = {"source_action": source_action} if source_action else {}
        self._move((RequestState.DRAFT,), RequestState.REQUESTED, "Only a draft can be sent; this one is {state}.",
                   target=target, reason=reason, preferred_from=preferred_from, preferred_to=preferred_to, **extra)

    def approve(self, user, message="", wave=None):
        """Approve; with a wave it is scheduled at once."""
        state = RequestState.SCHEDULED if wave else RequestState.APPROVED
        self._move(DECIDABLE, state, "Only a requested migration can be approved; this one is {state}.",
                   decided_by=user, decided_at=timezone.now(), admin_message=message, wave=wave)

    def reject(self, user, message):
        """Reject, with a message the maker sees."""
        if not message.strip():
            raise StateError("Say why the request is rejected: the maker sees the message.")
        self._move(DECIDABLE, RequestState.REJECTED, "Only a requested migration can be rejected; this one is {state}.",
                   decided_by=user, decided_at=timezone.now(), admin_message=message)

    def assign(self, wave):
        """Put an approved (or already scheduled) request into a wave."""
        self._move((RequestState.APPROVED, RequestState.SCHEDULED), RequestState.SCHEDULED,
                   "Only an approved migration can join a wave; this one is {state}.", wave=wave)

    def mark_started(self):
        """Scheduled -> running: the job exists and is queued; False when it was not scheduled."""
        with transaction.atomic():
            started = MigrationRequest.objects.filter(pk=self.pk, state=RequestState.SCHEDULED).update(
                state=RequestState.RUNNING, updated=timezone.now())
            if started:
                sync_items([self.pk])
        return bool(started)


class RequestItem(AppOrFlow, models.Model):
    """One app or flow of a request; `new_id` and `new_url` are its copy in the target once verified."""

    request = models.ForeignKey(MigrationRequest, on_delete=models.CASCADE, related_name="items")
    app = models.ForeignKey("inventory.App", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    flow = models.ForeignKey("inventory.Flow", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    new_id = models.CharField(max_length=64, blank=True)
    new_url = models.URLField(max_length=1000, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(app__isnull=False) ^ Q(flow__isnull=False),
                                              name="request_item_app_xor_flow")]

    def __str__(self):
        return str(self.item)


SYNC_ITEMS = """
    UPDATE {item} AS item SET migration_status = COALESCE(latest.state, ''), migration_target_id = latest.target_id
    FROM (SELECT DISTINCT {column} AS id FROM {items} WHERE request_id = ANY(%(requests)s) AND {column} IS NOT NULL)
         AS member
    LEFT JOIN LATERAL (
        SELECT request.state, request.target_id FROM {items} AS other
        JOIN {requests} AS request ON request.id = other.request_id
        WHERE other.{column} = member.id AND request.state <> ALL(%(closed)s)
        ORDER BY request.created DESC, request.id DESC LIMIT 1) AS latest ON TRUE
    WHERE item.id = member.id
      AND (item.migration_status, item.migration_target_id)
          IS DISTINCT FROM (COALESCE(latest.state, ''), latest.target_id)
"""


def sync_items(request_ids):
    """Copy the latest live request's state and target onto the apps and flows of `request_ids`.

    One UPDATE per kind (apps, flows), sent as one statement in the same transaction as each request
    or job state change, so the inventory lists show and filter `migration_status` without a join.
    Written in SQL: it runs at every state change of every job, and the ORM spelling (two correlated
    subqueries) cost more to compile than to run.
    """
    from inventory.models import App, Flow

    params = {"requests": list(request_ids), "closed": [str(state) for state in CLOSED]}
    apps, flows = (SYNC_ITEMS.format(item=model._meta.db_table, column=column, items=RequestItem._meta.db_table,
                                     requests=MigrationRequest._meta.db_table)
                   for model, column in ((App, "app_id"), (Flow, "flow_id")))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH apps AS ({apps}), flows AS ({flows}) SELECT 1", params)
    figures_changed()  # the funnel's migrating and migrated, the blockers
