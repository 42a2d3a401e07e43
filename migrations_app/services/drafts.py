"""A maker's "migrate" answer to a CoE e-mail becomes a draft request the maker checks and sends.

The draft is prefilled: the answered items (one draft per environment, as a solution holds one
environment's items), the maker's words as the reason, and the target only when one offered is
the maker's own (never another person's: the maker chooses). Nothing reaches the admin queue
until the maker sends it.
"""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.permissions import has_role
from comms.signals import FollowUp

from ..choices import RequestState
from ..models import MigrationRequest, RequestItem
from .requests import _open_request_for, my_items, target_choices
from .targets import preselected, refused_targets

__all__ = ["do_draft_from_answer", "user_for_maker"]

logger = logging.getLogger(__name__)


def user_for_maker(maker):
    """The portal account of an inventory maker (Entra object id, else e-mail), or None."""
    match = Q(pk__in=[])
    if maker.entra_object_id:
        match |= Q(profile__entra_object_id=maker.entra_object_id)
    for address in {maker.email, maker.user_principal_name} - {"", None}:
        match |= Q(email__iexact=address)
    return get_user_model().objects.filter(match, is_active=True).order_by("pk").first()


def do_draft_from_answer(maker, items, justification="", notes=None):
    """Draft a request per environment for the answered `items` the maker owns; return the drafts made.

    Nothing is drafted when the maker has no portal account, for an item already on its way,
    or for an environment's items no target is offered for. `notes` (a list) receives a
    FollowUp per outcome: each draft with its link, or why there is none (naming the DLP
    policies and connectors that keep the items out of each environment).
    """
    notes = notes if notes is not None else []
    user = user_for_maker(maker)
    if user is None or not has_role(user, Role.MAKER, Role.COE_ADMIN):
        logger.info("migrate answer of %s: no maker account in the portal, no draft request", maker.email)
        notes.append(FollowUp("No draft request was made: you have no account in the portal yet. The CoE team "
                              "will prepare the move with you.", problem=True))
        return []
    apps, flows = my_items(user)
    own = {("app", pk) for pk in apps.values_list("pk", flat=True)} | {
        ("flow", pk) for pk in flows.values_list("pk", flat=True)}
    busy = [item for item in items if (item._meta.model_name, item.pk) in own and _open_request_for(item)]
    if busy:
        notes.append(FollowUp("Already on its way (a request exists): " + ", ".join(map(str, busy)) + ".",
                              url=reverse("migrations_app:my-items"), link_text="See My items"))
    by_environment = {}
    for item in items:
        if (item._meta.model_name, item.pk) in own and item not in busy:
            by_environment.setdefault(item.environment_id, []).append(item)
    return [draft for group in by_environment.values() if (draft := _draft(user, group, justification, notes))]


def _draft(user, items, justification, notes):
    targets = target_choices(items)
    if not targets:
        logger.info("migrate answer of %s: no target offered for %s", user.get_username(), items)
        reasons = sorted({why for refused in refused_targets(items) for why in refused.reasons})
        notes.append(FollowUp(f"No draft request for {', '.join(map(str, items))}: no environment is offered. "
                              + " ".join(reasons), problem=True))
        return None
    target = preselected(user, targets)
    reason = "Answered \"Migrate\" to the CoE team's e-mail." + (f" {justification}" if justification else "")
    with transaction.atomic():
        draft = MigrationRequest.objects.create(requested_by=user, target=target, reason=reason,
                                                state=RequestState.DRAFT)
        RequestItem.objects.bulk_create(RequestItem(request=draft, **{item._meta.model_name: item}) for item in items)
        audit.record(None, "migration.request.draft", obj=draft, target=target.env_id if target else "",
                     items=[str(item) for item in items])
    notes.append(FollowUp(f"A draft migration request for {', '.join(map(str, items))} is ready"
                          + ("" if target else ": choose its target environment")
                          + ", then send it to the CoE team.", url=draft.get_absolute_url(),
                          link_text=f"Check and send {draft}"))
    return draft
