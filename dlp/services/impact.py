"""Compute and store DLP impact: the live policies (current) against the live ones with a draft (proposed).

Items and usages are read in bulk (matrix.py), the rules are applied to every item at once
(engine.py) and the results are COPYed into ImpactItem and Violation, which the review pages
read. Moving one connector recomputes only the items that use it.
"""

import io
import time

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from inventory.models import Connector, Environment

from ..choices import Change, ItemStatus
from ..models import Exemption, ImpactItem, ImpactRun, Policy, PolicyConnector, Violation
from . import matrix
from .engine import CompiledPolicy, evaluate_policy, item_status, violations

__all__ = ["compile_policies", "compute", "evaluate", "prune", "recompute", "run", "scenario", "start_impact"]


def scenario(draft):
    """(current, proposed) policies: the live ones, and the live ones with `draft` in place of the one it replaces."""
    current = list(Policy.objects.filter(is_draft=False, deleted_at=None).order_by("pk"))
    if draft is None:
        return current, current
    return current, [policy for policy in current if policy.pk != draft.replaces_id] + [draft]


def compile_policies(policies):
    """{policy id: CompiledPolicy} read in five queries, whatever the number of connectors."""
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
    custom = list(Connector.objects.filter(is_custom=True).values_list("pk", flat=True))
    max_connector = Connector.objects.aggregate(m=Max("pk"))["m"] or 0
    max_environment = Environment.objects.aggregate(m=Max("pk"))["m"] or 0
    return {policy.pk: CompiledPolicy.build(
        policy.pk, policy.default_group, policy.custom_connector_group, policy.scope, environments[policy.pk],
        listed[policy.pk], custom, exempt[policy.pk], max_connector, max_environment) for policy in policies}


def evaluate(items, current, proposed, compiled=None):
    """Evaluate both scenarios over `items`; each policy in both is evaluated once."""
    compiled = compiled or compile_policies({p.pk: p for p in [*current, *proposed]}.values())
    results = {pk: evaluate_policy(policy, items) for pk, policy in compiled.items()}
    now = [results[p.pk] for p in current]
    then = [results[p.pk] for p in proposed]
    return now, then, item_status(now, len(items)), item_status(then, len(items))


def _changes(now, then):
    change = np.full(len(now), Change.EXEMPT.value, dtype=object)
    change[(now != ItemStatus.BROKEN) & (then == ItemStatus.BROKEN)] = Change.NEW.value
    change[(now == ItemStatus.BROKEN) & (then != ItemStatus.BROKEN)] = Change.FIXED.value
    change[(now == ItemStatus.BROKEN) & (then == ItemStatus.BROKEN)] = Change.UNCHANGED.value
    return change


def _ref(key, maker):
    app, flow = (str(key), r"\N") if key > 0 else (r"\N", str(-key))
    return app, flow, (str(maker) if maker else r"\N")


def _item_lines(run_id, items, now, then):
    keep = np.flatnonzero((now > 0) | (then > 0))
    change = _changes(now[keep], then[keep])
    rows = zip(keep.tolist(), now[keep].tolist(), then[keep].tolist(), change.tolist(), strict=True)
    for index, cur, prop, what in rows:
        app, flow, maker = _ref(int(items.keys[index]), int(items.maker[index]))
        yield f"{run_id}\t{app}\t{flow}\t{items.env[index]}\t{maker}\t{cur}\t{prop}\t{what}\n"


def _array(values):
    return "{" + ",".join(map(str, values)) + "}"


def _violation_lines(run_id, items, results, proposed):
    keys, env, makers = items.keys.tolist(), items.env.tolist(), items.maker.tolist()
    flag = "t" if proposed else "f"
    for result in results:
        for index, rule, business, non_business, blocked, exempt in violations(result, items):
            app, flow, maker = _ref(keys[index], makers[index])
            yield (f"{run_id}\t{app}\t{flow}\t{env[index]}\t{maker}\t{flag}\t{result.policy.pk}\t{rule}\t"
                   f"{'t' if exempt else 'f'}\t{_array(business)}\t{_array(non_business)}\t{_array(blocked)}\n")


def _copy(model, columns, lines):
    buffer = io.StringIO()
    buffer.writelines(lines)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{model._meta.db_table}" ({", ".join(columns)}) FROM STDIN') as copy:
            copy.write(buffer.getvalue())


ITEM_COLUMNS = ["run_id", "app_id", "flow_id", "environment_id", "maker_id", "current", "proposed", "change"]
VIOLATION_COLUMNS = ["run_id", "app_id", "flow_id", "environment_id", "maker_id", "proposed", "policy_id", "rule",
                     "exempt", "business", "non_business", "blocked"]


def _write(run, items, current, proposed, evaluation):
    now_results, then_results, now, then = evaluation
    # Policies in both scenarios give the same violations: store them once, as proposed. Current
    # violations are stored only for the policies the draft replaces (why a fixed item was broken).
    proposed_ids = {p.pk for p in proposed}
    only_now = [result for result in now_results if result.policy.pk not in proposed_ids]
    _copy(ImpactItem, ITEM_COLUMNS, _item_lines(run.pk, items, now, then))
    _copy(Violation, VIOLATION_COLUMNS, _violation_lines(run.pk, items, then_results, True))
    _copy(Violation, VIOLATION_COLUMNS, _violation_lines(run.pk, items, only_now, False))


def refresh_counts(run):
    """Store the run's counts of items by change."""
    counts = dict(ImpactItem.objects.filter(run=run).values_list("change").annotate(n=Count("id")).order_by())
    run.counts = {change.value: counts.get(change.value, 0) for change in Change}
    ImpactRun.objects.filter(pk=run.pk).update(counts=run.counts)


@transaction.atomic
def compute(run):
    """Compute the whole impact for `run` (its rows are replaced)."""
    started = time.perf_counter()
    current, proposed = scenario(run.draft)
    items = matrix.load()
    evaluation = evaluate(items, current, proposed)
    ImpactItem.objects.filter(run=run).delete()
    Violation.objects.filter(run=run).delete()
    _write(run, items, current, proposed, evaluation)
    refresh_counts(run)
    run.seconds = time.perf_counter() - started
    run.status, run.finished = ImpactRun.Status.DONE, timezone.now()
    run.save(update_fields=["seconds", "status", "finished"])
    return run


@transaction.atomic
def recompute(run, connector=None, keys=None):
    """Recompute only the items that use `connector` (or the item `keys`) after a change that touches only them."""
    current, proposed = scenario(run.draft)
    items = matrix.load(connector=connector, keys=keys)
    if not len(items):
        return run
    evaluation = evaluate(items, current, proposed)
    apps = items.keys[items.keys > 0].tolist()
    flows = (-items.keys[items.keys < 0]).tolist()
    with connection.cursor() as cursor:
        for model in (ImpactItem, Violation):
            table = model._meta.db_table
            # ANY(array): one parameter however many items, and the (run, app) / (run, flow) indexes.
            cursor.execute(f'DELETE FROM "{table}" WHERE run_id = %s AND app_id = ANY(%s)', [run.pk, apps])
            cursor.execute(f'DELETE FROM "{table}" WHERE run_id = %s AND flow_id = ANY(%s)', [run.pk, flows])
    _write(run, items, current, proposed, evaluation)
    refresh_counts(run)
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
    run = ImpactRun.objects.select_related("draft").get(pk=run_id)
    try:
        compute(run)
    except Exception as exc:  # the row records it; the worker goes on
        ImpactRun.objects.filter(pk=run_id).update(status=ImpactRun.Status.FAILED, error=repr(exc)[:2000],
                                                  finished=timezone.now())
        raise
    # Earlier runs of the same draft are superseded.
    for old in ImpactRun.objects.filter(draft_id=run.draft_id, status=ImpactRun.Status.DONE).exclude(pk=run.pk):
        prune(old)


def prune(run):
    """Delete a superseded run and its result rows."""
    with connection.cursor() as cursor:
        for model in (ImpactItem, Violation):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE run_id = %s', [run.pk])
    run.delete()
