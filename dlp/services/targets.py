"""Where a broken item could go: the environments in which no proposed policy would break it."""

from dataclasses import replace

import numpy as np

from inventory.models import Environment

from . import matrix
from .engine import evaluate_policy
from .impact import compile_policies, rule_connectors, scenario

__all__ = ["allowed_environments", "candidate_environments", "suggest_targets"]


def candidate_environments():
    """The environments items may move to: every live one but the default (the environment strategy's
    department and shared environments), department-named ones first."""
    return list(Environment.objects.filter(deleted_at__isnull=True, is_default=False).select_related("creator")
                .order_by("display_name"))


def allowed_environments(draft, items, envs):
    """bool[item, environment]: True where no policy of `draft`'s proposed set (None: the live ones) breaks the item.

    Args:
        items: a matrix.Items; envs: the Environments to try, in column order.
    """
    allowed = np.ones((len(items), len(envs)), dtype=bool)
    if not len(items) or not envs:
        return allowed
    policies = compile_policies(scenario(draft)[1])
    items = matrix.with_features(items, rule_connectors(policies.values()))
    env_ids = np.array([env.pk for env in envs], dtype=np.int64)
    for policy in policies.values():
        # Evaluated as if it covered the item, then applied to the environments it does cover.
        everywhere = replace(policy, covers=np.ones_like(policy.covers), covers_new=True)
        result = evaluate_policy(everywhere, items)
        breaks = result.violating & ~result.exempt
        inside = env_ids < len(policy.covers)
        covers = np.where(inside, policy.covers[np.minimum(env_ids, len(policy.covers) - 1)], policy.covers_new)
        allowed &= ~np.outer(breaks, covers)
    return allowed


def suggest_targets(draft, keys, departments=None):
    """{item key: [Environment]} where no policy of the proposed set would break the item.

    Args:
        departments: {item key: the maker's department}; environments named after it come first.
    """
    items = matrix.load(keys=list(keys))
    envs = candidate_environments()
    if not len(items) or not envs:
        return {int(key): [] for key in keys}
    allowed = allowed_environments(draft, items, envs)
    departments = departments or {}
    found = {}
    for index, key in enumerate(items.keys.tolist()):
        fits = [env for env, ok in zip(envs, allowed[index], strict=True) if ok]
        department = (departments.get(key) or "").lower()
        fits.sort(key=lambda env: not (department and department in env.display_name.lower()))
        found[key] = fits
    return found
