"""A maker's "migrate" answer to a CoE e-mail becomes a draft request the maker checks and sends.

The draft is prefilled: the answered items (one draft per environment, as a solution holds one
environment's items), the first target the environment strategy offers for them, and the
maker's words as the reason. Nothing reaches the admin queue until the maker sends it.
"""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from coe_portal.core import audit
from coe_portal.core.choices import Role
from coe_portal.core.permissions import has_role

from ..choices import RequestState
from ..models import MigrationRequest, RequestItem
from .requests import _open_request_for, my_items, target_choices

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


def do_draft_from_answer(maker, items, justification=""):
    """Draft a request per environment for the answered `items` the maker owns; return the drafts made.

    Skipped (and logged) when the maker has no portal account, an item is already on its way,
    or no target is offered for an environment's items.
    """
    user = user_for_maker(maker)
    if user is None or not has_role(user, Role.MAKER, Role.COE_ADMIN):
        logger.info("migrate answer of %s: no maker account in the portal, no draft request", maker.email)
        return []
    apps, flows = my_items(user)
    own = {("app", pk) for pk in apps.values_list("pk", flat=True)} | {
        ("flow", pk) for pk in flows.values_list("pk", flat=True)}
    chosen = [item for item in items if (item._meta.model_name, item.pk) in own and not _open_request_for(item)]
    by_environment = {}
    for item in chosen:
        by_environment.setdefault(item.environment_id, []).append(item)
    return [draft for group in by_environment.values() if (draft := _draft(user, group, justification))]


def _draft(user, items, justification):
    targets = target_choices(items)
    if not targets:
        logger.info("migrate answer of %s: no target offered for %s", user.get_username(), items)
        return None
    reason = "Answered \"Migrate\" to the CoE team's e-mail." + (f" {justification}" if justification else "")
    with transaction.atomic():
        draft = MigrationRequest.objects.create(requested_by=user, target=targets[0], reason=reason,
                                                state=RequestState.DRAFT)
        RequestItem.objects.bulk_create(RequestItem(request=draft, **{item._meta.model_name: item}) for item in items)
        audit.record(None, "migration.request.draft", obj=draft, target=draft.target.env_id,
                     items=[str(item) for item in items])
    return draft
