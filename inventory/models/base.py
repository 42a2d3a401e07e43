from django.db import models

__all__ = ["AppOrFlow", "SyncedItem"]


class SyncedItem(models.Model):
    """Fields every item synced from the tenant carries.

    `last_seen_run` is the sync run whose complete listing last contained the item; an item
    that a complete listing lacks gets `deleted_at` and is kept, with its history.
    """

    last_synced = models.DateTimeField(null=True, blank=True)
    first_seen_run = models.BigIntegerField(null=True, blank=True, editable=False)
    last_seen_run = models.BigIntegerField(null=True, blank=True, editable=False)
    changed_run = models.BigIntegerField(null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_run = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_deleted(self):
        return self.deleted_at is not None


class AppOrFlow:
    """For models that point at exactly one app or one flow through `app` and `flow` foreign keys."""

    @property
    def item(self):
        return self.app or self.flow

    @property
    def kind(self):
        return "app" if self.app_id else "flow"
