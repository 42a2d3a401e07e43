"""Data migration plan: the order to load the Dataverse tables an item uses, and what to leave out.

Tables are loaded least dependent first: a table comes after every table its lookups point at.
Lookups between tables of one cycle (and self-references) cannot all be set on the first pass:
those columns are left empty while loading and set in a named second pass once every row exists.
Tables outside the plan that lookups point at (users, teams, business units, or tables the item
does not use) must already exist in the target.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from inventory.models import ConnectorUsage, Flow

from .packages import tenant_client

__all__ = ["CREATED_ON_TARGET", "DataPlan", "LoadStep", "SYSTEM_FIELDS", "build_plan", "data_triggered_flows",
           "load_order", "tables_used"]

DATAVERSE = "shared_commondataserviceforapps"
# Columns Dataverse sets itself: never loaded. createdon is kept by loading it into overriddencreatedon.
SYSTEM_FIELDS = ("createdon", "modifiedon", "createdby", "modifiedby", "createdonbehalfby", "modifiedonbehalfby",
                 "ownerid", "owningbusinessunit", "owninguser", "owningteam", "versionnumber",
                 "importsequencenumber", "timezoneruleversionnumber", "utcconversiontimezonecode")
CREATED_ON_TARGET = ("createdon", "overriddencreatedon")
CONNECTOR_TRIGGERS = ("OpenApiConnection", "OpenApiConnectionWebhook")
FLOW_LIMIT = 50  # flows listed per group on the plan page
FLOWS_OFF_WARNING = ("Turn off the flows triggered when rows of these tables are added, modified or deleted while "
                     "the data loads (and turn them on after): otherwise each loaded row starts a run.")


@dataclass
class LoadStep:
    """Load one table; `deferred` lookups [(column, table)] stay empty until the second pass."""

    table: str
    deferred: list = field(default_factory=list)
    cycle: str = ""


@dataclass
class DataPlan:
    """The plan: steps in load order, the second pass, cycles found, and what the target must already hold."""

    steps: list
    second_pass: list  # [(table, column, referenced table, step name)]
    cycles: list  # ["account -> contact -> account", ...]
    prerequisites: list  # [(table, column, referenced table)] pointing outside the plan
    skip_fields: dict = field(default_factory=dict)  # table -> [system columns present]
    unknown: list = field(default_factory=list)  # data source names no table matched
    warning: str = FLOWS_OFF_WARNING
    flows_to_pause: list = field(default_factory=list)  # [(flow, table its trigger watches)]
    flows_to_check: list = field(default_factory=list)  # Dataverse-triggered flows whose table is not known


def _components(graph):
    """Strongly connected components of {node: {targets}} (Tarjan, iterative), in discovery order."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            advanced = False
            for target in targets:
                if target not in index:
                    index[target] = low[target] = counter[0]
                    counter[0] += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component))
    return found


def _cycle_order(component, inner):
    """Tables of one component, each next the one with fewest lookups to tables not loaded yet (then by name)."""
    ordered, left = [], set(component)
    while left:
        loaded = set(ordered)
        table = min(left, key=lambda t: (len([r for _, r in inner[t] if r != t and r not in loaded]), t))
        ordered.append(table)
        left.discard(table)
    return ordered


def load_order(lookups):
    """Plan loading tables {table: [(column, referenced table)]}: returns a DataPlan without skip fields.

    Tarjan emits a component only after every component it points at, so its order is already
    "dependencies first". Inside a cycle, each next table is the one with the fewest lookups to
    tables of the cycle not loaded yet, which keeps the second pass short.
    """
    tables = set(lookups)
    graph = {table: {target for _, target in lookups[table] if target in tables} for table in tables}
    steps, second_pass, cycles = [], [], []
    for component in _components(graph):
        members = set(component)
        inner = {t: [(c, r) for c, r in lookups[t] if r in members] for t in component}
        ordered = _cycle_order(component, inner)
        label = ""
        if len(component) > 1 or inner[component[0]]:
            label = " -> ".join([*ordered, ordered[0]]) if len(component) > 1 else f"{ordered[0]} -> itself"
            cycles.append(label)
        loaded = set()
        for table in ordered:
            deferred = [(c, r) for c, r in inner[table] if r not in loaded or r == table]
            steps.append(LoadStep(table, deferred, label))
            loaded.add(table)
            second_pass += [(table, column, target, f"Second pass: set {table}.{column} -> {target}")
                            for column, target in deferred]
    prerequisites = sorted((t, c, r) for t in tables for c, r in lookups[t] if r not in tables)
    return DataPlan(steps, second_pass, cycles, prerequisites)


def tables_used(item):
    """The Dataverse data source names the inventory recorded for an app or a flow."""
    kind = item._meta.model_name
    names = [source.get("name") for source in getattr(item, "data_sources", None) or []
             if isinstance(source, dict) and source.get("connector") == DATAVERSE]
    usages = ConnectorUsage.objects.filter(**{kind: item}, connector__connector_id=DATAVERSE)
    for usage in usages:
        names += [str(name) for name in usage.data_sources or []]
    return sorted({name for name in names if name})


def build_plan(item, client=None):
    """The data migration plan for the tables `item` uses, from the org's table metadata; None without any.

    A flow's tables come from its definition (the inventory keeps no table names for flows).
    """
    names, env = tables_used(item), item.environment
    if not env.dataverse_url:
        return None
    if not names and item._meta.model_name == "flow" and item.usages.filter(connector__connector_id=DATAVERSE).exists():
        client = client or tenant_client()
        names = client.flow_dataverse_tables(env.env_id, item.flow_id)
    if not names:
        return None
    client = client or tenant_client()
    catalogue = client.dataverse_tables(env.dataverse_url)
    chosen, unknown = {}, []
    for name in names:
        table = next((t for t in catalogue if name.lower() in t.names()), None)
        if table is None:
            unknown.append(name)
        else:
            chosen[table.logical_name] = table
    definitions = {name: client.table_definition(env.dataverse_url, name) for name in sorted(chosen)}
    plan = load_order({name: d.lookups for name, d in definitions.items()})
    plan.skip_fields = {name: [c for c in SYSTEM_FIELDS if not d.columns or c in d.columns]
                        for name, d in definitions.items()}
    plan.unknown = unknown
    environments = [env.pk] + ([item.migration_target_id] if getattr(item, "migration_target_id", None) else [])
    plan.flows_to_pause, plan.flows_to_check = data_triggered_flows(environments, chosen)
    return plan


def data_triggered_flows(environments, tables):
    """Flows of `environments` that a load into `tables` {logical name: TableDefinition} would start.

    Returns ([(flow, table watched)], [flow]): the flows whose Dataverse row trigger watches one
    of the tables (the inventory reads the table from the flow's definition), then the flows to
    check by hand: a Dataverse trigger whose table the definition did not name, or a connector
    trigger on a flow using Dataverse whose details were not read since the inventory kept triggers.
    """
    names = {name: logical for logical, table in tables.items() for name in table.names()}
    live = Flow.objects.filter(environment__in=environments, deleted_at__isnull=True).select_related("environment")
    watching = live.filter(trigger_connector=DATAVERSE, trigger_table__in=names).order_by("display_name", "pk")
    unknown = live.filter(Q(trigger_connector=DATAVERSE, trigger_table="") | Q(
        trigger_connector="", trigger_kind__in=CONNECTOR_TRIGGERS, usages__connector__connector_id=DATAVERSE))
    return ([(flow, names[flow.trigger_table]) for flow in watching[:FLOW_LIMIT]],
            list(unknown.distinct().order_by("display_name", "pk")[:FLOW_LIMIT]))
