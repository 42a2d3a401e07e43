"""Portal accounts for people who sign in with Entra ID."""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .. import audit
from ..choices import Role
from ..models import PendingEntraLink, UserProfile
from ..permissions import set_roles

__all__ = ["LinkPending", "do_confirm_entra_link", "roles_from_claims", "user_for_entra_claims"]


class LinkPending(Exception):
    """The Entra identity's e-mail matches an existing account: a CoE admin must confirm the link first."""


def roles_from_claims(claims):
    """Everyone signed in through Entra is a maker; app roles in the token add admin or manager."""
    app_roles = set(claims.get("roles") or [])
    roles = {Role.MAKER}
    if settings.ENTRA_ADMIN_ROLE in app_roles:
        roles.add(Role.COE_ADMIN)
    if settings.ENTRA_MANAGER_ROLE in app_roles:
        roles.add(Role.MANAGER)
    return roles


def user_for_entra_claims(claims, request=None):
    """Find or create the user for an ID token's claims, refresh its details and roles.

    An account is found by the tenant id and object id only. A new identity whose e-mail matches an
    existing account is not signed in as it: a PendingEntraLink waits for a CoE admin, and LinkPending
    is raised (the e-mail claim is set by the tenant's user, so anyone could claim the admin's).
    """
    with transaction.atomic():
        user = _entra_user(claims, request)
    if user is None:
        raise LinkPending
    return user


def _entra_user(claims, request):
    oid, tid = uuid.UUID(claims["oid"]), uuid.UUID(claims["tid"])
    email = (claims.get("email") or claims.get("preferred_username") or "").lower()
    User = get_user_model()
    profile = UserProfile.objects.select_related("user").filter(entra_object_id=oid, entra_tenant_id=tid).first()
    if profile:
        user = profile.user
    else:
        existing = User.objects.filter(email__iexact=email).first() if email else None
        if existing is not None:
            _ask_for_link(existing, tid, oid, email, claims.get("name", ""), request)
            return None
        user = User(username=_free_username(email or str(oid)))
        user.set_unusable_password()
        user.save()
        profile, _ = UserProfile.objects.get_or_create(user=user)
        profile.entra_object_id, profile.entra_tenant_id = oid, tid
        profile.save()
    user.email = email
    name = claims.get("name", "")
    user.first_name, _, user.last_name = name.partition(" ")
    user.save()
    set_roles(user, roles_from_claims(claims))
    return user


def _ask_for_link(user, tid, oid, email, name, request):
    link, created = PendingEntraLink.objects.update_or_create(
        entra_tenant_id=tid, entra_object_id=oid, defaults={"user": user, "email": email, "name": name[:200]})
    if created:
        audit.record(request, "auth.entra_link.requested", obj=user, on_behalf_of=f"Entra {oid}",
                     tenant=str(tid), object_id=str(oid), email=email, name=name)


@transaction.atomic
def do_confirm_entra_link(link, request):
    """A CoE admin confirms that the Entra identity of `link` is its account's owner: link and audit."""
    profile, _ = UserProfile.objects.get_or_create(user=link.user)
    UserProfile.objects.filter(entra_object_id=link.entra_object_id, entra_tenant_id=link.entra_tenant_id).exclude(
        pk=profile.pk).update(
        entra_object_id=None, entra_tenant_id=None)
    profile.entra_object_id, profile.entra_tenant_id = link.entra_object_id, link.entra_tenant_id
    profile.save()
    audit.record(request, "auth.entra_link.confirm", obj=link.user, tenant=str(link.entra_tenant_id),
                 object_id=str(link.entra_object_id), email=link.email)
    link.delete()


def _free_username(base):
    User = get_user_model()
    candidate, number = base[:150], 1
    while User.objects.filter(username=candidate).exists():
        number += 1
        candidate = f"{base[:140]}-{number}"
    return candidate
