"""Portal accounts for people who sign in with Entra ID."""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from ..choices import Role
from ..models import UserProfile
from ..permissions import set_roles

__all__ = ["roles_from_claims", "user_for_entra_claims"]


def roles_from_claims(claims):
    """Everyone signed in through Entra is a maker; app roles in the token add admin or manager."""
    app_roles = set(claims.get("roles") or [])
    roles = {Role.MAKER}
    if settings.ENTRA_ADMIN_ROLE in app_roles:
        roles.add(Role.COE_ADMIN)
    if settings.ENTRA_MANAGER_ROLE in app_roles:
        roles.add(Role.MANAGER)
    return roles


@transaction.atomic
def user_for_entra_claims(claims):
    """Find or create the user for an ID token's claims, refresh its details and roles.

    The Entra object id is the stable key; an existing local account with the same email
    is adopted the first time its owner signs in with Entra.
    """
    oid = uuid.UUID(claims["oid"])
    email = (claims.get("email") or claims.get("preferred_username") or "").lower()
    User = get_user_model()
    profile = UserProfile.objects.select_related("user").filter(entra_object_id=oid).first()
    if profile:
        user = profile.user
    else:
        user = User.objects.filter(email__iexact=email).first() if email else None
        if user is None:
            user = User(username=_free_username(email or str(oid)))
            user.set_unusable_password()
        user.save()
        profile, _ = UserProfile.objects.get_or_create(user=user)
        profile.entra_object_id = oid
    profile.entra_tenant_id = uuid.UUID(claims["tid"]) if claims.get("tid") else None
    profile.save()
    user.email = email
    name = claims.get("name", "")
    user.first_name, _, user.last_name = name.partition(" ")
    user.save()
    set_roles(user, roles_from_claims(claims))
    return user


def _free_username(base):
    User = get_user_model()
    candidate, number = base[:150], 1
    while User.objects.filter(username=candidate).exists():
        number += 1
        candidate = f"{base[:140]}-{number}"
    return candidate
