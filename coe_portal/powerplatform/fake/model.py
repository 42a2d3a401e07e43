"""The records a fake tenant is made of: makers, environments, apps, flows, connections, DLP policies."""

__all__ = ["App", "DataverseRow", "Connection", "Environment", "Flow", "Maker", "Policy"]


class Maker:
    """A directory user who owns apps and flows; `deleted` ones are gone from Graph."""

    __slots__ = ("index", "oid", "given_name", "surname", "display_name", "mail", "upn", "department", "office",
                 "job_title", "enabled", "deleted")

    def __init__(self, **fields):
        for name, value in fields.items():
            setattr(self, name, value)


class Environment:
    """One environment and the apps, flows, custom connectors and connections in it."""

    __slots__ = ("index", "name", "display_name", "description", "sku", "is_default", "location", "azure_region",
                 "crm_suffix", "created", "creator", "dataverse", "managed", "seed", "apps", "app_index",
                 "flows", "flow_index", "custom_connectors", "connections", "connection_list",
                 "connector_pool", "blocked", "tables")

    def __init__(self, **fields):
        self.tables = {}  # Dataverse table name -> [DataverseRow], for environments with Dataverse
        self.apps, self.app_index = [], {}
        self.flows, self.flow_index = [], {}
        self.custom_connectors, self.connections, self.connection_list = [], {}, []
        self.connector_pool, self.blocked = None, frozenset()
        for name, value in fields.items():
            setattr(self, name, value)

    def add_app(self, app):
        """Append an app (listings only grow)."""
        self.apps.append(app)
        self.app_index[app.name] = app

    def add_flow(self, flow):
        """Append a flow (listings only grow)."""
        self.flows.append(flow)
        self.flow_index[flow.name] = flow


class App:
    """A canvas app; `deleted` apps sit in deletedApps, `removed` ones are gone for good.

    `history` holds the app as it was before each change (FakeTenant.keep_version), for the
    inventory API, which shows the tenant as it was a while ago.
    """

    __slots__ = ("seq", "name", "env", "display_name", "kind", "owner", "created", "modified", "published",
                 "shared_users", "shared_groups", "connectors", "solution", "quarantined", "deleted", "removed",
                 "seed", "version", "cached", "logical_name", "history")

    def __init__(self, **fields):
        self.quarantined, self.deleted, self.removed, self.version, self.cached = False, None, False, 1, None
        self.logical_name = self.history = None
        for name, value in fields.items():
            setattr(self, name, value)

    @property
    def live(self):
        """Listed by the API: neither deleted nor removed."""
        return not self.removed and self.deleted is None

    def changed(self):
        """Drop the cached list item."""
        self.cached = None

    def logical(self):
        """The Dataverse logical name of the app once it is solution-aware (kept by an import)."""
        if self.logical_name:
            return self.logical_name
        return f"cr{self.seed % 1000:03d}_{self.display_name.lower().replace(' ', '')[:20]}_{self.seed:x}"


class Flow:
    """A cloud flow; `deleted` (soft) flows show with include=softDeletedFlows until retention ends.

    `history`: as on App.
    """

    __slots__ = ("seq", "name", "env", "display_name", "state", "suspension", "creator", "created", "modified",
                 "workflow_id", "trigger", "connectors", "http_action", "deleted", "removed", "seed", "cached",
                 "history")

    def __init__(self, **fields):
        self.deleted, self.removed, self.cached, self.history = None, False, None, None
        for name, value in fields.items():
            setattr(self, name, value)

    @property
    def live(self):
        """Listed by the API: neither deleted nor removed."""
        return not self.removed and self.deleted is None

    def changed(self):
        """Drop the cached list item."""
        self.cached = None


class Connection:
    """A connection a maker made to a connector in one environment."""

    __slots__ = ("name", "env", "connector", "owner", "created", "status", "removed")

    def __init__(self, name, env, connector, owner, created, status):
        self.name, self.env, self.connector, self.owner = name, env, connector, owner
        self.created, self.status, self.removed = created, status, False


class Policy:
    """A DLP policy: connector groups and the environments it covers."""

    __slots__ = ("name", "display_name", "default_group", "groups", "scope", "environments", "created", "modified",
                 "created_by", "etag", "exempt_resources", "url_patterns", "action_rules", "endpoint_rules")

    def __init__(self, **fields):
        self.exempt_resources = []  # [(kind "app" or "flow", environment name, item name)]
        self.url_patterns = [("*", "Ignore")]  # [(pattern, classification)] in order; "*" last
        self.action_rules = {}  # connector name -> (default behaviour, {operation: behaviour})
        self.endpoint_rules = {}  # connector name -> [(endpoint pattern, Allow | Deny)] in order
        for name, value in fields.items():
            setattr(self, name, value)

    def applies_to(self, env_name):
        """Whether the policy covers environment `env_name`."""
        listed = env_name in self.environments
        return {"AllEnvironments": True, "ExceptEnvironments": not listed, "OnlyEnvironments": listed}[self.scope]

    def classify(self, connector_name):
        """The group (Confidential, General or Blocked) the policy puts a connector in."""
        for group, names in self.groups.items():
            if connector_name in names:
                return group
        return self.default_group


class DataverseRow:
    """A row of a Dataverse table (a Copilot Studio bot, a Power Pages site); `removed` rows are gone."""

    __slots__ = ("row_id", "name", "owner", "created", "modified", "published", "domain", "state", "removed")

    def __init__(self, **fields):
        self.published, self.domain, self.state, self.removed = None, "", 0, False
        for name, value in fields.items():
            setattr(self, name, value)
