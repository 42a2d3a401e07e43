"""Compute and store DLP impact: the live policies (current) against the live ones with a draft (proposed).

Items and usages are read in bulk (matrix.py), the rules are applied to every item at once
(engine.py) and the results are COPYed in binary into ImpactItem, which the review pages
read. A change that touches only some items (a connector moved, items exempted) recomputes
only those items and adjusts the run's counts by the difference.
"""

import time

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from coe_portal.dashboards.freshness import figures_changed
from inventory.models import Connector, Environment

from ..choices import CHANGE_KEYS, Change, ItemStatus
from ..models import Exemption, ImpactItem, ImpactRun, Policy, PolicyConnector
from . import matrix
from .copyio import copy_binary
from .engine import BLOCKED, CompiledPolicy, evaluate_policy, item_status

__all__ = ["Evaluation", "compile_policies", "compute", "prune", "recompute", "rule_connectors", "run", "scenario",
           "start_impact"]

WIDTH = 1 << 31  # (item index, connector id) pairs as one int64


def scenario(draft):
    """(current, proposed) policies: the live ones, and the live ones with `draft` in place of the one it replaces."""
    current = list(Policy.objects.filter(is_draft=False, deleted_at=None).order_by("pk"))
    if draft is None:
        return current, current
    return current, [policy for policy in current if policy.pk != draft.replaces_id] + [draft]


def compile_policies(policies):
    """{policy id: CompiledPolicy} read in a handful of queries, whatever the number of connectors."""
    ids = [policy.pk for policy in policies]
    listed, environments, exempt = {pk: {} for pk in ids}, {pk: [] for pk in ids}, {pk: [] for pk in ids}
    for policy_id, connector_id, group in PolicyConnector.objects.filter(policy__in=ids).values_list(
            "policy_id", "connector_id", "group"):
        listed[policy_id][connector_id] = group
    for policy_id, env_id in Policy.environments.through.objects.filter(policy__in=ids).values_list(
            "policy_id", "environment_id"):
        environments[policy_id].append(env_id)
    for policy_id, app_id, flow_id in Exemption.objects.filter(policy__in=ids).values_list(
            "policy_id", "app_id", "flow_id"):
        exempt[policy_id].append(app_id if app_id else -flow_id)
    custom = dict(Connector.objects.filter(is_custom=True).values_list("pk", "host_url"))
    max_connector = Connector.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    max_environment = Environment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    named = {name for policy in policies for name in [*policy.action_rules, *policy.endpoint_rules]}
    ids = dict(Connector.objects.filter(connector_id__in=named).values_list("connector_id", "pk")) if named else {}
    return {policy.pk: CompiledPolicy.build(
        policy.pk, policy.default_group, policy.custom_connector_group, policy.scope, environments[policy.pk],
        listed[policy.pk], custom, exempt[policy.pk], max_connector, max_environment,
        url_patterns=[(rule["pattern"], rule["group"]) for rule in policy.url_patterns],
        action_rules={ids[name]: (rule.get("default", "Allow"), rule.get("actions") or {})
                      for name, rule in policy.action_rules.items() if name in ids},
        endpoint_rules={ids[name]: [(rule["endpoint"], rule["behavior"]) for rule in rules]
                        for name, rules in policy.endpoint_rules.items() if name in ids},
    ) for policy in policies}


def rule_connectors(compiled):
    """The connectors any of the compiled policies has action or endpoint rules for."""
    return {conn for policy in compiled for conn in [*policy.action_rules, *policy.endpoint_rules]}


class Evaluation:
    """Both scenarios over a set of items: statuses, changes, policy bits and culprit connectors."""

    def __init__(self, items, current, proposed):
        self.items = items
        self.ordinals = sorted({p.pk for p in [*current, *proposed]})
        compiled = compile_policies({p.pk: p for p in [*current, *proposed]}.values())
        rules = rule_connectors(compiled.values())
        if rules and getattr(items, "features", None) is None:
            items = self.items = matrix.with_features(items, rules)
        self.results = {pk: evaluate_policy(policy, items) for pk, policy in compiled.items()}
        n = len(items)
        self.now = item_status([self.results[p.pk] for p in current], n)
        self.then = item_status([self.results[p.pk] for p in proposed], n)
        self.proposed_ids = [p.pk for p in proposed]

    def change(self):
        now, then = self.now, self.then
        change = np.full(len(now), Change.EXEMPT, dtype=np.int16)
        change[(now != ItemStatus.BROKEN) & (then == ItemStatus.BROKEN)] = Change.NEW
        change[(now == ItemStatus.BROKEN) & (then != ItemStatus.BROKEN)] = Change.FIXED
        change[(now == ItemStatus.BROKEN) & (then == ItemStatus.BROKEN)] = Change.UNCHANGED
        return change

    def stored(self):
        """Which items the run holds a row for: those broken or exempt in either scenario."""
        return (self.now > 0) | (self.then > 0)

    def row_values(self):
        """Everything an item's row holds, stacked: two evaluations differ for an item where these do."""
        return np.stack([self.now, self.then, self.change(), *self.masks()]).astype(np.int64)

    def masks(self):
        n = len(self.items)
        blocked, mixed, exempt, rules = (np.zeros(n, dtype=np.int64) for _ in range(4))
        for bit, pk in enumerate(self.ordinals):
            result = self.results[pk]
            blocked |= result.blocked.astype(np.int64) << bit
            mixed |= result.mixed.astype(np.int64) << bit
            exempt |= (result.violating & result.exempt).astype(np.int64) << bit
            rules |= result.rules.astype(np.int64) << bit
        return blocked, mixed, exempt, rules

    def counts(self):
        """{"new": .., ...} by change, and {"connectors": {id: [broken, newly broken]}} under the proposed policies."""
        kept = (self.now > 0) | (self.then > 0)
        change = self.change()[kept]
        counts = {key: int((change == code).sum()) for code, key in CHANGE_KEYS.items()}
        counts["connectors"] = self._culprits(self.change())
        return counts

    def _culprits(self, change):
        # Usages are distinct (item, connector) pairs, so a flag per usage counts each item once per connector.
        items = self.items
        culprit = np.zeros(len(items.u_item), dtype=bool)
        for pk in self.proposed_ids:
            result = self.results[pk]
            live = ~result.exempt[items.u_item]
            side = (result.groups == BLOCKED) & result.blocked[items.u_item]
            side |= (result.groups >= 0) & (result.groups < BLOCKED) & result.mixed[items.u_item]
            culprit |= side & live
            if len(result.rule_rows):  # a forbidden call makes its connector a culprit
                features = items.features
                hit = np.unique(features.item[result.rule_rows] * WIDTH + features.conn[result.rule_rows])
                culprit |= np.isin(items.u_item * WIDTH + items.u_conn, hit) & live
        item, conn = items.u_item[culprit], items.u_conn[culprit]
        broken = np.bincount(conn)
        new = np.bincount(conn[change[item] == Change.NEW], minlength=len(broken))
        return {str(c): [int(broken[c]), int(new[c])] for c in np.flatnonzero(broken).tolist()}


def _write(run, evaluation, only=None):
    """COPY the rows of the items broken or exempt in either scenario (and in `only`, when given)."""
    items = evaluation.items
    keep = evaluation.stored()
    if only is not None:
        keep &= only
    blocked, mixed, exempt, rules = evaluation.masks()
    change = evaluation.change()
    keys, makers = items.keys, items.maker
    # One COPY per pattern of NULLs (app or flow, maker or none): binary rows have no optional columns.
    for is_app in (True, False):
        for has_maker in (True, False):
            rows = keep & ((keys > 0) == is_app) & ((makers > 0) == has_maker)
            columns = [("run_id", "int8", np.full(rows.sum(), run.pk)),
                       ("app_id" if is_app else "flow_id", "int8", np.abs(keys[rows])),
                       ("environment_id", "int8", items.env[rows])]
            if has_maker:
                columns.append(("maker_id", "int8", makers[rows]))
            columns += [("current", "int2", evaluation.now[rows]), ("proposed", "int2", evaluation.then[rows]),
                        ("change", "int2", change[rows]), ("blocked_by", "int8", blocked[rows]),
                        ("mixed_by", "int8", mixed[rows]), ("exempt_from", "int8", exempt[rows]),
                        ("rules_by", "int8", rules[rows])]
            copy_binary(ImpactItem._meta.db_table, columns)


def _delete_items(run, keys):
    """Delete the run's rows of the item `keys` (an int64 array)."""
    if not len(keys):
        return
    table = ImpactItem._meta.db_table
    with connection.cursor() as cursor:
        # A join with unnest on the (run, item key) index; = ANY(array) in a sequential scan tests each
        # element. The keys go as one array literal: no per-element adaptation.
        cursor.execute(f'DELETE FROM "{table}" t USING unnest(%s::bigint[]) AS k(id) '
                       f'WHERE t.run_id = %s AND COALESCE(t.app_id, -t.flow_id) = k.id',
                       ["{" + ",".join(map(str, keys.tolist())) + "}", run.pk])


@transaction.atomic
def compute(run, items=None):
    """Compute the whole impact for `run`, replacing its rows."""
    started = time.perf_counter()
    current, proposed = scenario(run.draft)
    evaluation = Evaluation(items if items is not None else matrix.load_cached(), current, proposed)
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{ImpactItem._meta.db_table}" WHERE run_id = %s', [run.pk])
    _write(run, evaluation)
    run.counts, run.policy_ids = evaluation.counts(), evaluation.ordinals
    run.seconds = time.perf_counter() - started
    run.status, run.finished = ImpactRun.Status.DONE, timezone.now()
    run.save(update_fields=["counts", "policy_ids", "seconds", "status", "finished"])
    figures_changed()
    return run


def _merge_counts(counts, before, after):
    for key in CHANGE_KEYS.values():
        counts[key] = counts.get(key, 0) - before[key] + after[key]
    connectors = counts.setdefault("connectors", {})
    for conn in set(before["connectors"]) | set(after["connectors"]):
        old, new = before["connectors"].get(conn, [0, 0]), after["connectors"].get(conn, [0, 0])
        total = [a - b + c for a, b, c in zip(connectors.get(conn, [0, 0]), old, new, strict=True)]
        connectors[conn] = total
        if total == [0, 0]:
            del connectors[conn]
    return counts


@transaction.atomic
def recompute(run, connector=None, keys=None, change=None):
    """Apply `change()` (a callable editing policies or exemptions), then recompute only the items it can affect.

    Args:
        connector: the id of the connector the change concerns: the items that use it are recomputed.
        keys: or the item keys (app id, or minus flow id) it concerns.
    """
    items = matrix.load_subset(connector=connector, keys=keys)
    current, proposed = scenario(run.draft)
    if sorted({p.pk for p in [*current, *proposed]}) != list(run.policy_ids):
        if change:
            change()
        return compute(run)  # another policy set: the policy bits no longer apply
    if not len(items):
        if change:
            change()
        return run
    previous = Evaluation(items, current, proposed)
    before = previous.counts()
    if change:
        change()
    evaluation = Evaluation(items, *scenario(run.draft))
    # Only the rows whose values the change alters are rewritten: most items using a connector
    # keep their status when it moves.
    changed = (previous.row_values() != evaluation.row_values()).any(axis=0)
    _delete_items(run, items.keys[previous.stored() & changed])
    _write(run, evaluation, only=changed)
    run.counts = _merge_counts(dict(run.counts), before, evaluation.counts())
    ImpactRun.objects.filter(pk=run.pk).update(counts=run.counts)
    return run


def start_impact(draft=None, user=None):
    """Create an impact run for `draft` (None: the live policies) and compute it in a worker after commit."""
    from ..tasks import compute_impact

    run = ImpactRun.objects.create(draft=draft, created_by=user)
    transaction.on_commit(lambda: compute_impact.delay(run.pk))
    return run


def run(run_id):
    """Claim a pending run with a conditional UPDATE, compute it, and record a failure on the row."""
    claimed = ImpactRun.objects.filter(pk=run_id, status=ImpactRun.Status.PENDING).update(
        status=ImpactRun.Status.RUNNING)
    if not claimed:
        return
    impact_run = ImpactRun.objects.select_related("draft").get(pk=run_id)
    try:
        compute(impact_run)
    except Exception as exc:  # the row records it; the worker goes on
        ImpactRun.objects.filter(pk=run_id).update(status=ImpactRun.Status.FAILED, error=repr(exc)[:2000],
                                                  finished=timezone.now())
        raise
    for old in ImpactRun.objects.filter(draft_id=impact_run.draft_id, status=ImpactRun.Status.DONE).exclude(
            pk=run_id):
        prune(old)


def prune(old):
    """Delete a superseded run and its result rows."""
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{ImpactItem._meta.db_table}" WHERE run_id = %s', [old.pk])
    old.delete()
