from .cleanup import Backup, CleanupCase
from .connectors import Connector, ConnectorUsage, normalise_connector_id
from .environments import Environment
from .makers import Maker
from .resources import App, Bot, Flow, PagesSite
from .sync import SyncRun, SyncTask
from .tags import Tag
from .triage import TablePreference, TagRule, TriageSettings

__all__ = [
    "App", "Backup", "Bot", "CleanupCase",
    "Connector", "ConnectorUsage", "Environment", "Flow", "Maker", "PagesSite", "SyncRun", "SyncTask",
    "TablePreference", "Tag", "TagRule", "TriageSettings", "normalise_connector_id",
]
