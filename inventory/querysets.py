from django.db import models
from django.db.models import Q

from coe_portal.core.choices import Role
from coe_portal.core.permissions import has_role

__all__ = ["ItemQuerySet", "MakerQuerySet"]

# Roles that see every inventory item; makers see only the items they own.
BROWSING_ROLES = (Role.COE_ADMIN, Role.MANAGER)


class MakerQuerySet(models.QuerySet):
    def for_user(self, user):
        """The inventory makers a portal user is: by Entra object id, else by email."""
        if not user.is_authenticated:
            return self.none()
        oid = getattr(getattr(user, "profile", None), "entra_object_id", None)
        match = Q(entra_object_id=oid) if oid else Q(pk__in=[])
        if user.email:
            match |= Q(email__iexact=user.email) | Q(user_principal_name__iexact=user.email)
        return self.filter(match)


class ItemQuerySet(models.QuerySet):
    """Apps, flows, bots and sites: `visible_to` decides, once, who may see which item."""

    def visible_to(self, user):
        if has_role(user, *BROWSING_ROLES):
            return self
        if has_role(user, Role.MAKER):
            owner_field = self.model.owner_field
            makers = self.model._meta.get_field(owner_field).related_model.objects.for_user(user)
            return self.filter(**{f"{owner_field}__in": makers})
        return self.none()
