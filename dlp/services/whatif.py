"""What would break if one connector moved group in a draft, computed on the items using it (nothing stored)."""

from dataclasses import replace

import numpy as np

from ..choices import Group, ItemStatus
from . import matrix
from .engine import CODES, evaluate_policy, item_status
from .impact import compile_policies, rule_connectors, scenario

__all__ = ["if_moved"]


def if_moved(draft, connector_id):
    """{group: (broken, newly broken)} among the items using the connector, were it in `group` of `draft`."""
    items = matrix.load(connector=connector_id)
    current, proposed = scenario(draft)
    compiled = compile_policies({p.pk: p for p in [*current, *proposed]}.values())
    items = matrix.with_features(items, rule_connectors(compiled.values()))
    results = {pk: evaluate_policy(policy, items) for pk, policy in compiled.items()}
    now = item_status([results[p.pk] for p in current], len(items))
    found = {}
    for group in Group:
        policy = compiled[draft.pk]
        group_of = policy.group_of.copy()
        if connector_id >= len(group_of):  # a connector newer than the compiled policy: grow it
            group_of = np.concatenate([group_of, np.full(connector_id + 1 - len(group_of), policy.group_of_new,
                                                         dtype=group_of.dtype)])
        group_of[connector_id] = CODES[group]
        moved = evaluate_policy(replace(policy, group_of=group_of), items)
        then = item_status([moved if p.pk == draft.pk else results[p.pk] for p in proposed], len(items))
        broken = then == ItemStatus.BROKEN
        found[group] = (int(broken.sum()), int((broken & (now != ItemStatus.BROKEN)).sum()))
    return found
