from django.db import models
from django.db.models import Q

__all__ = ["MakerQuerySet"]


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
