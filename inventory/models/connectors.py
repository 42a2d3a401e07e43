from django.db import models
from django.db.models import Q, Value

from ..choices import ConnectorTier
from .base import SyncedItem

__all__ = ["Connector", "ConnectorUsage", "normalise_connector_id"]

# A database default, so bulk COPYs that leave the column out still write a list.
EMPTY_LIST = Value([], output_field=models.JSONField())


def normalise_connector_id(api_id):
    """`/providers/Microsoft.PowerApps/apis/shared_SharePointOnline` -> `shared_sharepointonline`.

    Apps list connector ids in lower case and flows in mixed case; comparing the trailing
    name in lower case makes them the same connector.
    """
    return api_id.rstrip("/").rsplit("/", 1)[-1].lower()


class Connector(SyncedItem):
    """A connector (or built-in action such as HTTP) that apps and flows use."""

    connector_id = models.CharField(max_length=200, unique=True, help_text="e.g. shared_sharepointonline")
    display_name = models.CharField(max_length=200, blank=True, db_default="")
    tier = models.CharField(max_length=10, choices=ConnectorTier.choices, blank=True, db_default="")
    is_custom = models.BooleanField(default=False, db_default=False)
    is_builtin = models.BooleanField(default=False, db_default=False,
                                     help_text="A built-in action DLP can classify, such as HTTP")
    publisher = models.CharField(max_length=200, blank=True, db_default="")
    environment = models.ForeignKey("inventory.Environment", null=True, blank=True, on_delete=models.SET_NULL,
                                    help_text="For custom connectors: the environment that holds it")
    host_url = models.CharField(max_length=500, blank=True, db_default="",
                                help_text="For custom connectors: the host its definition names (DLP URL patterns)")
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="connectors")

    class Meta:
        ordering = ["display_name", "connector_id"]

    def __str__(self):
        return self.display_name or self.connector_id


class ConnectorUsage(models.Model):
    """One connector used by one app or flow, through one connection."""

    app = models.ForeignKey("inventory.App", null=True, blank=True, on_delete=models.CASCADE, related_name="usages")
    flow = models.ForeignKey("inventory.Flow", null=True, blank=True, on_delete=models.CASCADE, related_name="usages")
    connector = models.ForeignKey(Connector, on_delete=models.PROTECT, related_name="usages")
    connection_id = models.CharField(max_length=200, blank=True)
    is_implicitly_shared = models.BooleanField(
        default=False, help_text="Users of the shared app use this connection without their own credentials")
    data_sources = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list, blank=True, db_default=EMPTY_LIST,
                               help_text="Operations the item calls (flows), for DLP connector action rules")
    endpoints = models.JSONField(default=list, blank=True, db_default=EMPTY_LIST,
                                 help_text="Endpoints the item names (URIs, datasets), for DLP endpoint rules")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(app__isnull=False) ^ Q(flow__isnull=False),
                                   name="usage_of_app_xor_flow"),
        ]
        # DLP impact and the connector page read usages by connector.
        indexes = [models.Index(fields=["connector", "app"]), models.Index(fields=["connector", "flow"])]

    def __str__(self):
        return f"{self.app or self.flow} uses {self.connector}"
