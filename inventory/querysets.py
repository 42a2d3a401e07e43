from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import OuterRef, Q
from django.db.models.functions import JSONObject
from django.utils import timezone

from coe_portal.core.choices import Role
from coe_portal.core.permissions import has_role

__all__ = ["ItemQuerySet", "MakerQuerySet"]

# Roles that see every inventory item; makers see only the items they own.
BROWSING_ROLES = (Role.COE_ADMIN, Role.MANAGER)


class MakerQuerySet(models.QuerySet):
    def for_user(self, user):
        """The inventory makers a portal user is: an Entra user by object id, a local account by e-mail.

        An Entra user's e-mail claim is whatever the tenant's user set (the "nOAuth" pattern), so it
        never makes them a maker the directory knows by another object id; it matches only makers
        known by an address alone (a CSV import), until a sync gives those their object id. A local
        account's address was given by an admin.
        """
        if not user.is_authenticated:
            return self.none()
        by_address = Q(email__iexact=user.email) | Q(user_principal_name__iexact=user.email) if user.email else None
        oid = getattr(getattr(user, "profile", None), "entra_object_id", None)
        if oid:
            match = Q(entra_object_id=oid)
            if by_address is not None:
                match |= Q(entra_object_id__isnull=True) & by_address
            return self.filter(match)
        return self.filter(by_address) if by_address is not None else self.none()


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

    def with_tag_labels(self):
        """Annotate `tag_labels`: the item's tags as [{"name": .., "colour": ..}] by name, read in the row's query.

        A list page shows them on every row; prefetch_related cost a second query and a related
        manager per row, about a tenth of the page.
        """
        tags = self.model._meta.get_field("tags")
        labels = tags.related_model.objects.filter(**{tags.related_query_name(): OuterRef("pk")}).order_by("name")
        return self.annotate(tag_labels=ArraySubquery(labels.values(label=JSONObject(name="name", colour="colour"))))

    # Usage (apps and flows: models with `last_used_field`); the same rule as recommendations.usage_flags.

    def used_within(self, days, now=None):
        since = (now or timezone.now()) - timedelta(days=days)
        return self.filter(**{f"{self.model.last_used_field}__gte": since})

    def unused_for(self, days, now=None):
        """Items usage data shows unused for `days` days: no use known, every use known, and older than that."""
        now = now or timezone.now()
        since = now - timedelta(days=days)
        return (self.exclude(**{f"{self.model.last_used_field}__gte": since})
                .filter(usage_known_since__lte=since,
                        usage_checked_time__gte=now - timedelta(hours=settings.USAGE_STALE_AFTER_HOURS))
                .filter(Q(created_time__isnull=True) | Q(created_time__lte=since)))

    def usage_unknown_for(self, days, now=None):
        """Items neither used within `days` days nor known to be unused for that long (new items left out)."""
        now = now or timezone.now()
        since = now - timedelta(days=days)
        return (self.exclude(**{f"{self.model.last_used_field}__gte": since})
                .exclude(pk__in=self.unused_for(days, now).values("pk"))
                .filter(Q(created_time__isnull=True) | Q(created_time__lte=since)))
