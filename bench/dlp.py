"""DLP impact of a draft against the live policies: 300,000 items, about 1,000,000 connector usages.

Prints:
  BENCH dlp_full seconds=S bound=1.0 ratio=S/1.0 items=.. usages=.. broken=..
  BENCH dlp_whatif seconds=s bound=0.2 ratio=s/0.2 touched=..   (one connector moved, then recomputed)

The inventory is written with COPY; connector popularity is skewed (Zipf) like a real tenant's.
Every flow usage names the operations it calls (one to three of six per connector) and a fifth of
them an endpoint; one live policy has connector action rules and endpoint rules on popular
connectors, so the full computation reads those operations too.
"""

import argparse
import os
import sys
import time

import numpy as np

from bench.support import fresh_database, manage


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=100_000)
    parser.add_argument("--flows", type=int, default=200_000)
    parser.add_argument("--environments", type=int, default=200)
    parser.add_argument("--connectors", type=int, default=400)
    parser.add_argument("--makers", type=int, default=20_000)
    parser.add_argument("--per-item", type=float, default=3.45, help="connector usages per item, on average")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def generate(options):
    """Write environments, makers, connectors, items and usages with COPY; return the connector ids by rank."""
    from django.db import connection, transaction

    from coe_portal.core.bulk import copy_rows

    rng = np.random.default_rng(options.seed)
    with transaction.atomic():
        copy_rows("inventory_environment", ["env_id", "display_name", "environment_type", "region", "azure_region",
                                            "is_default", "is_managed", "dataverse_url"],
                  ((f"env-{i}", f"Environment {i}", "Production", "europe", "", i == 0, False, "")
                   for i in range(options.environments)))
        copy_rows("inventory_maker", ["email", "display_name", "department"],
                  ((f"maker{i}@contoso.example", f"Maker {i}", f"Dept {i % 40}") for i in range(options.makers)))
        copy_rows("inventory_connector", ["connector_id", "display_name", "is_custom", "is_builtin"],
                  ((f"shared_c{i}", f"Connector {i}", i % 25 == 24, i == 7) for i in range(options.connectors)))
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id) FROM inventory_environment")
            env0 = cursor.fetchone()[0]
            cursor.execute("SELECT min(id) FROM inventory_maker")
            maker0 = cursor.fetchone()[0]
            cursor.execute("SELECT id FROM inventory_connector ORDER BY connector_id")
        envs = rng.integers(0, options.environments, options.apps + options.flows) + env0
        makers = rng.integers(0, options.makers, options.apps + options.flows) + maker0
        copy_rows("inventory_app", ["app_id", "environment_id", "display_name", "kind", "owner_id",
                                    "shared_users_count", "shared_groups_count", "is_solution_aware", "open_url",
                                    "quarantine_status", "uses_premium", "uses_custom_connector", "uses_excel",
                                    "uses_sharepoint_list", "data_sources"],
                  ((f"app-{i}", int(envs[i]), f"App {i}", "canvas", int(makers[i]), 0, 0, False, "", "", False,
                    False, False, False, []) for i in range(options.apps)))
        copy_rows("inventory_flow", ["flow_id", "environment_id", "display_name", "state", "suspension_reason",
                                     "is_solution_aware", "creator_id"],
                  ((f"flow-{i}", int(envs[options.apps + i]), f"Flow {i}", "Started", "", False,
                    int(makers[options.apps + i])) for i in range(options.flows)))
    return _usages(options, rng)


def _usages(options, rng):
    from django.db import connection, transaction

    from coe_portal.core.bulk import copy_rows
    from inventory.models import Connector

    ranked = list(Connector.objects.order_by("pk").values_list("pk", flat=True))
    weights = 1 / np.arange(1, len(ranked) + 1) ** 1.1
    weights /= weights.sum()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM inventory_app UNION ALL SELECT -id FROM inventory_flow")
        keys = np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
    counts = 1 + rng.poisson(options.per_item - 1, len(keys))
    item = np.repeat(keys, counts)
    conn = np.asarray(ranked)[rng.choice(len(ranked), size=len(item), p=weights)]
    pairs = np.unique(np.stack([item, conn], axis=1), axis=0)
    operations = rng.integers(0, 6, (len(pairs), 3))
    spans = rng.integers(1, 4, len(pairs))
    endpoints = rng.random(len(pairs)) < 0.2

    def flow_fields(index, key):
        if key > 0:
            return [], []
        called = sorted({f"Op{op}" for op in operations[index, :spans[index]].tolist()})
        return called, [f"https://host{index % 50}.example/api"] if endpoints[index] else []

    with transaction.atomic():
        copy_rows("inventory_connectorusage", ["app_id", "flow_id", "connector_id", "connection_id",
                                               "is_implicitly_shared", "data_sources", "actions", "endpoints"],
                  ((int(k) if k > 0 else None, int(-k) if k < 0 else None, int(c), "", False, [],
                    *flow_fields(index, k))
                   for index, (k, c) in enumerate(pairs.tolist())))
    print(f"generated {len(keys)} items and {len(pairs)} usages", file=sys.stderr)
    return ranked, len(keys), len(pairs)


def make_policies(ranked, environments):
    """Three live policies (all, all-except, only) and a draft that replaces the first."""
    from dlp.models import Policy, PolicyConnector
    from dlp.services.policies import copy_to_draft
    from inventory.models import Connector, Environment

    envs = list(Environment.objects.order_by("pk").values_list("pk", flat=True))

    def policy(name, scope, scope_envs, business, non_business, blocked, default="business"):
        made = Policy.objects.create(name=name, display_name=name, scope=scope, default_group=default)
        made.environments.set(scope_envs)
        rows = [(c, "business") for c in business] + [(c, "non_business") for c in non_business]
        rows += [(c, "blocked") for c in blocked]
        PolicyConnector.objects.bulk_create(PolicyConnector(policy=made, connector_id=c, group=g) for c, g in rows)
        return made

    # Live policies are enforced, so most items comply: the common connectors are business (the
    # default group), some less used ones non-business, rare ones blocked.
    baseline = policy("baseline", "AllEnvironments", [], ranked[:60], ranked[150:170], ranked[300:340])
    policy("protect", "ExceptEnvironments", envs[:20], ranked[:40], ranked[100:110], ranked[200:210])
    production = policy("production", "OnlyEnvironments", envs[20:50], ranked[:25], ranked[60:65], ranked[120:130])
    # v2 rules on popular connectors: one operation blocked, and endpoints outside one host pattern denied.
    names = dict(Connector.objects.filter(pk__in=ranked[:3]).values_list("pk", "connector_id"))
    production.action_rules = {names[ranked[1]]: {"default": "Allow", "actions": {"Op3": "Block"}}}
    production.endpoint_rules = {names[ranked[2]]: [
        {"order": 1, "endpoint": "https://host1*.example", "behavior": "Allow"},
        {"order": 2, "endpoint": "*", "behavior": "Deny"}]}
    production.save(update_fields=["action_rules", "endpoint_rules"])
    # The draft: a popular connector (the 9th most used) moves to non-business.
    draft = copy_to_draft(baseline)
    PolicyConnector.objects.filter(policy=draft, connector_id=ranked[8]).update(group="non_business")
    return draft


def main():
    options = parse()
    os.environ["DATABASE_URL"] = fresh_database("coe_bench_dlp")
    manage(dict(os.environ), "migrate", "-v", "0")

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coe_portal.settings")
    django.setup()
    from dlp.models import ImpactRun, Policy
    from dlp.services import impact, matrix
    from dlp.services.policies import move_connector
    from inventory.models import Connector, ConnectorUsage

    ranked, items, usages = generate(options)
    draft = make_policies(ranked, options.environments)
    started = time.perf_counter()
    # A worker's first run reads the inventory (usages, and the operations and endpoints of the
    # connectors the policies have rules for); later runs reuse both while the inventory is unchanged.
    inventory = matrix.load_cached()
    loaded = time.perf_counter()
    live = impact.compile_policies(list(Policy.objects.filter(is_draft=False)))
    matrix.with_features(inventory, impact.rule_connectors(live.values()))
    cold, features = time.perf_counter() - started, time.perf_counter() - loaded
    run = ImpactRun.objects.create(draft=draft)
    started = time.perf_counter()
    impact.compute(run)
    full = time.perf_counter() - started
    print(f"BENCH dlp_full seconds={full:.3f} bound=1.0 ratio={full / 1.0:.3f} items={items} usages={usages} "
          f"broken_new={run.counts['new']} broken_both={run.counts['unchanged']} fixed={run.counts['fixed']} "
          f"cold_load_seconds={cold:.3f} of_which_rule_features={features:.3f}")
    moved = Connector.objects.get(pk=ranked[12])  # a popular connector: the 13th most used
    touched = ConnectorUsage.objects.filter(connector=moved).count()
    started = time.perf_counter()
    impact.recompute(run, connector=moved.pk, change=lambda: move_connector(draft, moved, "non_business"))
    whatif = time.perf_counter() - started
    print(f"BENCH dlp_whatif seconds={whatif:.3f} bound=0.2 ratio={whatif / 0.2:.3f} touched={touched} "
          f"broken_new={run.counts['new']}")


if __name__ == "__main__":
    main()
