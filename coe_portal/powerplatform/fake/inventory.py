"""What the Power Platform inventory API (`resourcequery`) knows of a tenant, and how it behaves.

The legacy admin APIs list canvas apps, cloud flows and (through Dataverse) Copilot Studio bots;
the inventory lists those with the same ids, plus kinds only it tracks (inventory-api.md §2.1):
model-driven, code and App Builder apps, agent flows, workflow agent flows, Agent Builder agents,
environment groups. Those are generated here from each environment's seed with generators of their
own, so every item the other APIs serve stays as it was.

The table is not live: a row shows its item as it was `freshness_lag` seconds ago (§2.6, "within
15 minutes"), using the versions the tenant keeps before each change (`FakeTenant.keep_version`).
"""

import random
import threading
from collections import OrderedDict
from dataclasses import dataclass

from .generate import YEAR, uid
from .inventory_quota import UserQuota

__all__ = ["AGENT_BUILDER", "Inventory", "InventoryOptions", "NULL_GUID", "Resource", "state_at"]

NULL_GUID = "00000000-0000-0000-0000-000000000000"
AGENT_BUILDER = "Copilot Studio Lite"  # the raw createdIn of Agent Builder agents in live data (§2.5)


@dataclass
class InventoryOptions:
    """How the fake inventory API behaves; the defaults are the documented figures."""

    freshness_lag: float = 900.0  # §2.6: changes show "within 15 minutes"
    quota_requests: int = 15  # §1.7: ARG's per-user quota, 15 queries ...
    quota_window: float = 5.0  # ... per 5-second window
    page_size: int = 1000  # §1.7: ARG caps a page at 1000 rows
    # §2.3: flows' `trigger` is a string in the docs and an object in a live row; "mixed" serves both.
    trigger_form: str = "mixed"


class Resource:
    """An item only the inventory API lists; `details` are its type's own properties (inventory-api.md §2.3-2.5)."""

    __slots__ = ("type", "name", "env", "display_name", "owner", "creator", "created", "modified", "details",
                 "removed", "history", "cached")

    def __init__(self, **fields):
        self.removed, self.history, self.cached = False, None, None
        for name, value in fields.items():
            setattr(self, name, value)

    @property
    def live(self):
        """Listed: not removed."""
        return not self.removed


def state_at(item, moment):
    """The item as the inventory saw it at `moment` (seconds), or None when it was not listed then."""
    for until, before in item.history or ():
        if until > moment:
            item = before
            break
    if item is None or not item.live or item.created > moment:
        return None
    return item


class Inventory:
    """The inventory-only kinds of a tenant and the API's options (`tenant.inventory`)."""

    def __init__(self, tenant, options=None):
        self.tenant = tenant
        self.options = options or InventoryOptions()
        self.resources = []  # Resource, environment by environment
        self.agents = {}  # Dataverse bot id -> Resource: the agent row of each generated bot
        self.groups = []  # environment groups: Resource with details {"members": [env names]}
        self.group_of = {}  # environment name -> its group Resource
        self.quota = UserQuota(self.options)
        self.lock = threading.Lock()
        self.results = OrderedDict()  # (query fingerprint, as_of, salt) -> result rows, the latest few
        self.rows = {}  # (id of an item's version, trigger form) -> its row (inventory_rows.table_rows)
        generate_kinds(self)

    def as_of(self):
        """The moment the table shows now: the tenant's clock less the freshness lag."""
        return self.tenant.timestamp() - self.options.freshness_lag

    def forget(self, item):
        """Drop the kept row of an item about to change (its old version keeps a row of its own)."""
        for form in ("mixed", "string", "object"):
            self.rows.pop((id(item), form), None)

    def remove(self, resource):
        """Delete an inventory-only item (a test control); it leaves the table after the lag."""
        with self.tenant.lock:
            self.tenant.keep_version(resource)
            resource.removed = True


# Generation: small seeded fractions of each environment's apps and flows.

KIND_FRACTIONS = {  # type -> (share of the environment's apps or flows, counted from, needs Dataverse)
    "microsoft.powerapps/modeldrivenapps": (0.03, "apps", True),
    "microsoft.powerapps/codeapps": (0.02, "apps", False),
    "microsoft.powerapps/apps": (0.02, "apps", False),
    "microsoft.powerautomate/agentflows": (0.03, "flows", True),
    "microsoft.powerautomate/m365agentflows": (0.02, "flows", False),
    "microsoft.copilotstudio/agents": (0.02, "apps", False),  # Agent Builder agents; Studio ones are the bots
}
SYSTEM_APPS = (("Solution Health Hub", "msdynce_solutionhealthhub"),
               ("Power Platform Environment Settings", "msdyn_ppenvironmentsettings"),
               ("Customer Service Hub", "customerservicehub"), ("Sales Hub", "saleshub"))
TITLES = {
    "microsoft.powerapps/modeldrivenapps": ("Asset Register", "Case Desk", "Supplier Hub", "Project Tracker"),
    "microsoft.powerapps/codeapps": ("Shift Planner", "Budget Dashboard", "Visitor Log", "Kudos Wall"),
    "microsoft.powerapps/apps": ("Team Requests", "Desk Booking", "Training Tracker", "Idea Box"),
    "microsoft.powerautomate/agentflows": ("Summarise ticket", "Draft reply", "Classify request", "Look up order"),
    "microsoft.powerautomate/m365agentflows": ("Weekly status digest", "Meeting follow-up", "Inbox triage"),
    "microsoft.copilotstudio/agents": ("Policy helper", "Writing coach", "Project assistant", "Team FAQ"),
}
CHANNELS = ("Teams", "Microsoft 365 Copilot", "SharePoint", "Direct Line", "Direct Line Channels", "Dynamics 365",
            "Facebook", "WhatsApp")  # §2.5, "Direct Line Channels" as live data spells it
AUTHENTICATION = ("None", "Microsoft Entra", "Generic OAuth 2.0")  # §2.5
AGENT_TOOLS = ("shared_office365", "shared_sharepointonline", "shared_teams", "shared_commondataserviceforapps")


def generate_kinds(inventory):
    """Fill `inventory` from the tenant's seed; each environment draws from a generator of its own."""
    tenant = inventory.tenant
    for env in tenant.environments:
        rng = random.Random(env.seed ^ 0x1A7E)
        for kind, (share, base, needs_dataverse) in KIND_FRACTIONS.items():
            if needs_dataverse and not env.dataverse:
                continue
            count = int(len(getattr(env, base)) * share + rng.random()) + env.is_default
            for index in range(count):
                inventory.resources.append(_resource(rng, tenant, env, kind, index))
        if env.dataverse:
            inventory.resources += [_system_app(rng, tenant, env, title, logical)
                                    for title, logical in SYSTEM_APPS[:rng.randint(1, 2)]]
        for row in env.tables.get("bots", ()):
            agent = _studio_agent(rng, env, row)
            inventory.agents[row.row_id] = agent
            inventory.resources.append(agent)
    _groups(inventory, random.Random(tenant.seed ^ 0xE6))


def _pick_maker(rng, tenant):
    return tenant.makers[int(len(tenant.makers) * rng.random() ** 1.7)]


def _times(rng, now):
    created = now - rng.random() * 2 * YEAR
    return created, created + rng.random() * (now - created)


def _resource(rng, tenant, env, kind, index):
    owner = _pick_maker(rng, tenant)
    created, modified = _times(rng, tenant.now)
    title = f"{rng.choice(TITLES[kind])} {index + 1}"
    details = {}
    if kind == "microsoft.powerapps/modeldrivenapps":
        details = {"appModuleId": uid(rng), "logicalName": f"cr{rng.randrange(1000):03d}_{title.lower()[:12]}"
                                                             .replace(" ", "")}
    elif kind == "microsoft.powerapps/codeapps":
        details = {"subType": "vibeApp" if rng.random() < 0.4 else "byocApp"}  # §2.3 (2026-08-10)
    elif kind == "microsoft.powerapps/apps":
        details = {"subType": "appBuilderApp"}
    elif kind == "microsoft.powerautomate/agentflows":
        details = {"workflowEntityId": uid(rng)}  # agent flows live in Dataverse (§2.3: the join key)
    elif kind == "microsoft.copilotstudio/agents":
        details = _agent_details(rng, True, created, tenant.now)
        if rng.random() < 0.7:
            details["lastPublishedAt"] = modified
    resource = Resource(type=kind, name=uid(rng), env=env.name, display_name=title, owner=owner,
                        creator=owner.oid, created=created, modified=modified, details=details)
    if kind.startswith("microsoft.powerapps/"):
        details["isQuarantined"] = rng.random() < 0.03
    if kind == "microsoft.copilotstudio/agents" and rng.random() < 0.8:
        resource.creator = NULL_GUID  # §2.2: platform-provisioned; about 5 in 6 agents in one tenant
    return resource


def _system_app(rng, tenant, env, title, logical):
    """A model-driven app Dynamics installs: made by a service identity with a null-GUID prefix (§3.4)."""
    service = f"00000000-0000-0000-0000-{rng.getrandbits(48):012x}"
    created = env.created + 3600
    return Resource(type="microsoft.powerapps/modeldrivenapps", name=uid(rng), env=env.name, display_name=title,
                    owner=None, creator=service, created=created, modified=created,
                    details={"appModuleId": uid(rng), "logicalName": logical, "isQuarantined": False})


def _studio_agent(rng, env, row):
    """The agent row of a Dataverse bot: same id (`name` and `botId`), its owner and times."""
    details = _agent_details(rng, False, row.created, row.modified)
    details["botId"] = row.row_id
    details["schemaName"] = f"cr_{row.row_id[:8]}"  # as the fake's Dataverse `bots` table names it
    if row.published is not None:
        details["lastPublishedAt"] = row.published
    creator = NULL_GUID if rng.random() < 0.8 else row.owner.oid
    return Resource(type="microsoft.copilotstudio/agents", name=row.row_id, env=env.name, display_name=row.name,
                    owner=row.owner, creator=creator, created=row.created, modified=row.modified, details=details)


def _agent_details(rng, builder, created, now):
    """The §2.5 configuration fields; Agent Builder agents have no managed flag nor identity ids."""
    details = {
        "createdIn": AGENT_BUILDER if builder else "Copilot Studio",
        "orchestration": "Generative" if rng.random() < 0.6 else "Classic",
        "model": rng.choice(("GPT-4o", "GPT-4.1", "GPT-5 Chat")),
        "authentication": rng.choice(AUTHENTICATION),
        "channels": sorted(rng.sample(CHANNELS, rng.randint(0, 3)), key=CHANNELS.index),
        "isQuarantined": rng.random() < 0.05, "isCLIAgent": False,
        "tools": rng.sample(AGENT_TOOLS, rng.randint(0, 2)),
    }
    if details["isQuarantined"]:
        details["quarantinedAt"] = created + rng.random() * (now - created)
    if builder:
        details["isManaged"] = None
        details["schemaName"] = f"cr{rng.randrange(1000):03d}_agent{rng.getrandbits(16):04x}"
    else:
        details["isManaged"] = rng.random() < 0.1
        details["entraAgentId"] = uid(rng) if rng.random() < 0.5 else ""
    return details


def _groups(inventory, rng):
    """Up to three environment groups of non-default environments (§2.3: description, lastModifiedAt)."""
    tenant = inventory.tenant
    candidates = [env for env in tenant.environments[1:] if env.sku in ("Production", "Sandbox")]
    for index in range(min(3, (len(candidates) + 1) // 2)):
        creator = _pick_maker(rng, tenant)
        created, modified = _times(rng, tenant.now)
        name = ("Production workloads", "Sandboxes", "Finance")[index]
        group = Resource(type="microsoft.powerplatform/environmentgroups", name=uid(rng), env=None,
                         display_name=name, owner=None, creator=creator.oid, created=created, modified=modified,
                         details={"description": f"{name} governed together"})
        inventory.groups.append(group)
    for env in candidates:
        if inventory.groups and rng.random() < 0.7:
            inventory.group_of[env.name] = inventory.groups[rng.randrange(len(inventory.groups))]
