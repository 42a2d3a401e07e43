from django.db import models
from django.db.models.functions import Now, Upper
from django.utils import timezone

from ..querysets import MakerQuerySet

__all__ = ["Maker"]


class Maker(models.Model):
    """A person in Entra ID who owns or created apps and flows."""

    entra_object_id = models.UUIDField(unique=True, null=True, blank=True)
    # Database defaults: the sync inserts makers known only by object id (flow creators).
    user_principal_name = models.CharField(max_length=254, blank=True, db_index=True, db_default="")
    email = models.EmailField(blank=True, db_index=True, db_default="")
    display_name = models.CharField(max_length=200, blank=True, db_default="")
    department = models.CharField(max_length=200, blank=True, db_default="")
    location = models.CharField(max_length=200, blank=True, db_default="")
    # None: not known yet (Graph has not answered for the account, or did not say).
    is_disabled = models.BooleanField(null=True, blank=True, default=None,
                                      help_text="Account disabled in Entra ID; empty while unknown")
    is_deleted_in_entra = models.BooleanField(default=False, db_default=False,
                                              help_text="Account deleted from Entra ID")
    first_seen = models.DateTimeField(default=timezone.now, db_default=Now())
    last_synced = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="makers")

    objects = MakerQuerySet.as_manager()

    class Meta:
        ordering = ["display_name", "id"]
        # The item lists' owner-department filter compares department__iexact (UPPER(department) = ...).
        indexes = [models.Index(Upper("department"), name="maker_department_upper")]

    def __str__(self):
        return self.display_name or self.user_principal_name or str(self.entra_object_id)

    def is_user(self, user):
        """Whether portal `user` is this maker: MakerQuerySet.for_user's rule, for one maker already read."""
        if not user.is_authenticated:
            return False
        email = (user.email or "").lower()
        by_address = bool(email) and email in {(self.email or "").lower(), (self.user_principal_name or "").lower()}
        oid = getattr(getattr(user, "profile", None), "entra_object_id", None)
        if oid:
            return str(self.entra_object_id) == str(oid) or (self.entra_object_id is None and by_address)
        return by_address

    @property
    def is_orphaning(self):
        """True when the person can no longer look after their items."""
        return bool(self.is_disabled) or self.is_deleted_in_entra
