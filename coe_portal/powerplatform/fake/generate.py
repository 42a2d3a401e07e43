"""Fill a FakeTenant from its seed: makers, environments, connectors, apps, flows, connections, DLP."""

import bisect
import itertools
import random
import uuid

from .catalog import (
    APP_NOUNS,
    CONNECTORS,
    CUSTOM_PREFIXES,
    DEPARTMENTS,
    FIRST_NAMES,
    FLOW_PATTERNS,
    JOB_TITLES,
    LAST_NAMES,
    LISTS,
    OFFICES,
    REGIONS,
    TEAM_NAMES,
    Connector,
)
from .model import App, Connection, DataverseRow, Environment, Flow, Maker, Policy

__all__ = ["populate"]

YEAR = 365 * 86400.0
SKUS = (("Production", 0.30), ("Sandbox", 0.25), ("Developer", 0.20), ("Trial", 0.10), ("Teams", 0.15))
DATAVERSE_ODDS = {"Default": 1.0, "Production": 0.55, "Sandbox": 0.5, "Developer": 1.0, "Trial": 0.2, "Teams": 1.0}
BY_NAME = {connector.name: connector for connector in CONNECTORS}


def uid(rng):
    """A GUID from `rng`."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def populate(tenant, environments, apps, flows, makers):
    """Generate everything in `tenant` from `tenant.seed`, in a fixed order."""
    rng = random.Random(tenant.seed)
    tenant.tenant_id = uid(rng)
    tenant.makers = make_makers(rng, makers, tenant.domain)
    tenant.environments = make_environments(rng, environments, tenant)
    make_custom_connectors(rng, tenant)
    pick_env = environment_chooser(rng, tenant.environments)
    pick_maker = maker_chooser(tenant.makers)
    seq = itertools.count(1)
    for _ in range(apps):
        env = pick_env(rng.random(), rng.random())
        env.add_app(make_app(rng, env, next(seq), pick_maker, tenant.now))
    for _ in range(flows):
        env = pick_env(rng.random(), rng.random())
        env.add_flow(make_flow(rng, env, next(seq), pick_maker, tenant.now))
    tenant.policies = make_policies(rng, tenant)
    for env in tenant.environments:
        env.blocked = frozenset(
            connector for policy in tenant.policies if policy.applies_to(env.name)
            for connector in policy.groups["Blocked"])
    for env in tenant.environments:
        if env.dataverse:
            make_dataverse_rows(env, pick_maker, tenant.now)
    for env in tenant.environments[1:]:
        make_spare_connections(env, tenant.makers, tenant.now)


def make_makers(rng, count, domain):
    """Generate `count` directory users with unique mail addresses."""
    makers, taken = [], {}
    for index in range(count):
        given, surname = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{given}.{surname}".lower()
        taken[local] = taken.get(local, 0) + 1
        if taken[local] > 1:
            local = f"{local}{taken[local]}"
        roll = rng.random()
        makers.append(Maker(
            index=index, oid=uid(rng), given_name=given, surname=surname, display_name=f"{given} {surname}",
            mail=f"{local}@{domain}", upn=f"{local}@{domain}", department=rng.choice(DEPARTMENTS),
            office=rng.choice(OFFICES), job_title=rng.choice(JOB_TITLES), enabled=not 0.03 <= roll < 0.08,
            deleted=roll < 0.03))
    return makers


def maker_chooser(makers):
    """Return pick(rng), which favours a few busy makers."""
    count = len(makers)

    def pick(rng):
        # A few makers own much, most own little.
        return makers[int(count * rng.random() ** 1.7)]

    return pick


def make_environments(rng, count, tenant):
    """Generate the default environment and `count - 1` others."""
    home = rng.choice(REGIONS)
    envs = []
    for index in range(count):
        if index == 0:
            sku, name = "Default", f"Default-{tenant.tenant_id}"
        else:
            sku, name = _weighted(rng, SKUS), uid(rng)
        geo, azure_regions, crm = home if index == 0 or rng.random() < 0.7 else rng.choice(REGIONS)
        creator = tenant.makers[int(len(tenant.makers) * rng.random())]
        created = tenant.now - (3.5 * YEAR if index == 0 else rng.random() * 3 * YEAR)
        env = Environment(
            index=index, name=name, sku=sku, is_default=index == 0, location=geo,
            azure_region=rng.choice(azure_regions), crm_suffix=crm, created=created,
            creator=None if index == 0 else creator, managed=sku == "Production" and rng.random() < 0.4,
            seed=rng.getrandbits(32))
        env.display_name, env.description = _environment_title(rng, env, creator, index)
        env.dataverse = _dataverse(rng, env) if rng.random() < DATAVERSE_ODDS[sku] else None
        envs.append(env)
    return envs


def _environment_title(rng, env, creator, index):
    if env.sku == "Default":
        return "Contoso (default)", "The tenant's default environment"
    if env.sku == "Developer":
        return f"{creator.display_name}'s Environment", ""
    if env.sku == "Teams":
        return f"{rng.choice(TEAM_NAMES)} {index}", "Created by Microsoft Teams"
    department = rng.choice(DEPARTMENTS)
    return f"{department} {env.sku} {index}", f"{department} solutions ({env.sku.lower()})"


def _dataverse(rng, env):
    org = f"org{rng.getrandbits(32):08x}"
    return {
        "resourceId": uid(rng), "uniqueName": f"unq{rng.getrandbits(64):016x}", "domainName": org,
        "friendlyName": env.display_name, "version": f"9.2.{rng.randint(24000, 25999)}.{rng.randint(100, 999)}",
        "instanceUrl": f"https://{org}.{env.crm_suffix}.dynamics.com/",
        "instanceApiUrl": f"https://{org}.api.{env.crm_suffix}.dynamics.com",
        "securityGroupId": uid(rng) if rng.random() < 0.5 else "", "created": env.created + 3600,
        "database_mb": round(rng.uniform(300, 9000), 3), "file_mb": round(rng.uniform(10, 20000), 3),
        "log_mb": round(rng.uniform(0, 2000), 3),
    }


def make_custom_connectors(rng, tenant):
    """About one environment in five has custom connectors of its own."""
    for env in tenant.environments:
        if rng.random() >= 0.2:
            continue
        for _ in range(rng.randint(1, 3)):
            prefix = rng.choice(CUSTOM_PREFIXES)
            maker = tenant.makers[int(len(tenant.makers) * rng.random())]
            env.custom_connectors.append(Connector(
                name=f"shared_{prefix}-{rng.getrandbits(72):018x}-{rng.getrandbits(72):018x}",
                display_name=prefix.replace("-", " ").title(), tier="Premium", group="custom",
                brand_color="#007ee5", actions=("GetRecords", "CreateRecord"), weight=1.5,
                publisher=maker.display_name, environment=env.name, created_by=maker,
                created=tenant.now - rng.random() * 2 * YEAR))
        pool = CONNECTORS + tuple(env.custom_connectors)
        env.connector_pool = (pool, list(itertools.accumulate(c.weight for c in pool)))


CATALOGUE_POOL = (CONNECTORS, list(itertools.accumulate(c.weight for c in CONNECTORS)))


def environment_chooser(rng, envs):
    """Return pick(first, second) that places an item in an environment."""
    default, others = envs[0], envs[1:]
    # A quarter of the other environments stay empty; the rest share 30% of the items, unevenly.
    weights = [0.0 if rng.random() < 0.25 else min(rng.paretovariate(1.2), 50.0) for _ in others]
    chosen = [(env, weight) for env, weight in zip(others, weights, strict=True) if weight]
    cumulative = list(itertools.accumulate(weight for _, weight in chosen))
    chosen = [env for env, _ in chosen]

    def pick(first, second):
        if first < 0.7 or not chosen:
            return default
        return chosen[min(bisect.bisect(cumulative, second * cumulative[-1]), len(chosen) - 1)]

    return pick


def _times(rng, now):
    created = now - rng.random() * 3 * YEAR
    if created < now - YEAR and rng.random() < 0.375:
        modified = created + rng.random() * (now - YEAR - created)
    else:
        start = max(created, now - YEAR)
        modified = start + rng.random() * (now - start)
    return created, modified


def _connectors(rng, env, first=None):
    pool, cumulative = env.connector_pool or CATALOGUE_POOL
    wanted = 1 + (rng.random() >= 0.45) + (rng.random() >= 0.55) + (rng.random() >= 0.7)
    picked = [first] if first else []
    while len(picked) < wanted:
        connector = pool[min(bisect.bisect(cumulative, rng.random() * cumulative[-1]), len(pool) - 1)]
        if connector not in picked:
            picked.append(connector)
    return tuple(picked)


def _connect(rng, env, owner, connectors, created):
    for connector in connectors:
        key = (owner.index, connector.name)
        connection = env.connections.get(key)
        if connection is None:
            name = f"{connector.name.replace('_', '-')[:20]}-{rng.getrandbits(128):032x}"
            status = "Error" if rng.random() < 0.05 else "Connected"
            connection = env.connections[key] = Connection(name, env.name, connector, owner, created, status)
            env.connection_list.append(connection)
        elif created < connection.created:
            connection.created = created


def _owner(rng, env, pick_maker):
    if env.sku == "Developer" and rng.random() < 0.8:
        return env.creator
    return pick_maker(rng)


def make_app(rng, env, seq, pick_maker, now):
    """Generate one app in `env` (and the connections it uses)."""
    owner = _owner(rng, env, pick_maker)
    created, modified = _times(rng, now)
    roll = rng.random()
    kind = "canvas" if roll < 0.87 else "sharepoint_form" if roll < 0.95 else "component_library"
    connectors = _connectors(rng, env, BY_NAME["shared_sharepointonline"] if kind == "sharepoint_form" else None)
    _connect(rng, env, owner, connectors, created)
    title = rng.choice(APP_NOUNS)
    if rng.random() < 0.3:
        title = f"{owner.department} {title}"
    if rng.random() < 0.1:
        title += rng.choice((" (Copy)", " - Test", " v2", " DEV"))
    shared = rng.randint(100, 3000) if rng.random() < 0.03 else int(11 * rng.random() ** 2.5)
    app = App(
        seq=seq, name=uid(rng), env=env.name, display_name=title, kind=kind, owner=owner, created=created,
        modified=modified, published=modified - rng.random() * 600, shared_users=shared,
        shared_groups=0 if rng.random() < 0.7 else rng.randint(1, 4), connectors=connectors,
        solution=bool(env.dataverse) and rng.random() < 0.1, seed=rng.getrandbits(32))
    if app.solution and kind == "canvas" and app.seed % 4 == 0:
        app.kind = "custom_page"  # a model-driven app's page: solution-aware by nature (no extra draw)
    return app


TRIGGERS = (("recurrence", 0.25), ("connector", 0.55), ("http", 0.05), ("button", 0.15))
TRIGGER_CONNECTORS = [c for c in CONNECTORS if c.triggers and c.group == "standard"]


def make_flow(rng, env, seq, pick_maker, now):
    """Generate one flow in `env` (and the connections it uses)."""
    creator = _owner(rng, env, pick_maker)
    created, modified = _times(rng, now)
    roll = rng.random()
    state, suspension = ("Started", "None") if roll < 0.8 else ("Stopped", "None") if roll < 0.95 else (
        "Suspended", rng.choice(("DlpViolation", "LicenseNotAvailable", "ConnectionsNotValid")))
    trigger = _weighted(rng, TRIGGERS)
    first = rng.choice(TRIGGER_CONNECTORS) if trigger == "connector" else None
    connectors = _connectors(rng, env, first)
    _connect(rng, env, creator, connectors, created)
    pattern = rng.choice(FLOW_PATTERNS)
    title = pattern.format(list=rng.choice(LISTS), dept=creator.department, noun=rng.choice(APP_NOUNS))
    return Flow(
        seq=seq, name=uid(rng), env=env.name, display_name=title, state=state, suspension=suspension,
        creator=creator, created=created, modified=modified,
        workflow_id=uid(rng) if env.dataverse and rng.random() < 0.1 else None, trigger=trigger,
        connectors=connectors, http_action=rng.random() < 0.08, seed=rng.getrandbits(32))


def make_policies(rng, tenant):
    """Generate the three DLP policies: all, all-but and only some environments."""
    envs = tenant.environments
    admin = tenant.makers[0].display_name
    social = {c.name for c in CONNECTORS if c.group == "social"}
    developers = [env.name for env in envs if env.sku in ("Developer", "Sandbox")][:5]
    production = [env.name for env in envs if env.sku == "Production"][:3] or [envs[0].name]

    def policy(display_name, scope, environments, confidential, general, blocked, default="General"):
        created = tenant.now - rng.random() * 2 * YEAR
        return Policy(
            name=uid(rng), display_name=display_name, default_group=default, scope=scope,
            environments=list(environments), created=created, modified=created + rng.random() * (tenant.now - created),
            created_by=admin, etag=uid(rng),
            groups={"Confidential": set(confidential), "General": set(general), "Blocked": set(blocked)})

    production_data = policy(
        "Production data", "OnlyEnvironments", production,
        {"shared_sql", "shared_commondataserviceforapps", "shared_salesforce", "shared_service-now"},
        {"shared_office365users", "shared_approvals"}, social | {"request"})
    # The v2 rules beyond groups, in the recorded shapes: custom connectors calling the company's own
    # hosts are business data; SharePoint deletes are blocked; HTTP may call only the company's APIs.
    production_data.url_patterns = [("https://*.contoso.com", "Confidential"), ("*", "Ignore")]
    production_data.action_rules = {"shared_sharepointonline": ("Allow", {"DeleteItem": "Block",
                                                                          "DeleteFile": "Block"})}
    production_data.endpoint_rules = {"http": [("https://*.contoso.example", "Allow"), ("*", "Deny")]}
    return [
        policy("Tenant baseline", "AllEnvironments", [],
               {"shared_sharepointonline", "shared_office365", "shared_teams"}, set(), social),
        policy("Protect business data (except makers' sandboxes)", "ExceptEnvironments", developers,
               {"shared_sharepointonline", "shared_sql", "shared_commondataserviceforapps"},
               {"shared_office365users"}, {"shared_webcontents"}),
        production_data,
    ]


def _weighted(rng, choices):
    roll, total = rng.random(), 0.0
    for value, weight in choices:
        total += weight
        if roll < total:
            return value
    return choices[-1][0]


BOT_TOPICS = ("HR helpdesk", "IT support", "Travel desk", "Onboarding", "Facilities", "Expense questions",
              "Sales assistant", "Policy finder")
SITE_TOPICS = ("Partner portal", "Supplier onboarding", "Customer self-service", "Event registration",
               "Job applications", "Community forum")


def make_dataverse_rows(env, pick_maker, now):
    """Copilot Studio bots and Power Pages sites of one Dataverse environment.

    They draw from a generator of the environment's own, so adding them left every
    other generated item as it was.
    """
    rng = random.Random(env.seed ^ 0xB075)
    if env.is_default:  # where makers build without asking: always some of each
        counts = {"bots": 2 + int(rng.random() ** 2 * 10), "powerpagesites": 1 + int(rng.random() ** 2 * 3)}
    else:
        counts = {"bots": int(rng.random() ** 2 * 4), "powerpagesites": int(rng.random() ** 3 * 2.5)}
    for table, count in counts.items():
        rows = env.tables.setdefault(table, [])
        for index in range(count):
            created = now - rng.random() * 2 * YEAR
            modified = min(now, created + rng.random() * YEAR)
            topic = rng.choice(BOT_TOPICS if table == "bots" else SITE_TOPICS)
            row = DataverseRow(row_id=uid(rng), name=f"{topic} {index + 1}", owner=pick_maker(rng),
                               created=created, modified=modified)
            if table == "bots":
                row.published = modified if rng.random() < 0.7 else None
            else:
                row.domain = f"site-{rng.getrandbits(24):06x}.powerappsportals.com"
            row.state = 0 if rng.random() < 0.9 else 1
            rows.append(row)


SPARE_CONNECTORS = ("shared_sharepointonline", "shared_office365", "shared_teams", "shared_commondataserviceforapps")


def make_spare_connections(env, makers, now):
    """Connections makers made in a non-default environment before anything was built there.

    A migration into the environment binds its connection references to these. They draw from
    a generator of the environment's own, so every other generated item stays as it was.
    """
    rng = random.Random(env.seed ^ 0xC0)
    for maker in rng.sample(makers, min(3, len(makers))):
        for name in SPARE_CONNECTORS:
            if (maker.index, name) not in env.connections:
                connection = Connection(f"{name.replace('_', '-')[:20]}-{rng.getrandbits(128):032x}", env.name,
                                        BY_NAME[name], maker, now - rng.random() * YEAR, "Connected")
                env.connections[(maker.index, name)] = connection
                env.connection_list.append(connection)
