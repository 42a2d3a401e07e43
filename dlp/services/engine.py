"""The DLP rule semantics, vectorised over every item at once.

A policy applies to an item when its scope covers the item's environment. Each connector the
item uses takes the group the policy lists it in; a connector the policy does not list takes
the policy's default group (custom connectors: the custom connector group when it is set).
The item breaks the policy when it uses a blocked connector, or connectors from both the
business and the non-business group. Every policy that applies must be satisfied; an item
exempt from a policy is exempt, not broken, under that policy only.
"""

from dataclasses import dataclass, field

import numpy as np

from ..choices import Group, ItemStatus, Rule, Scope

__all__ = ["CODES", "CompiledPolicy", "PolicyResult", "evaluate_policy", "item_status"]

CODES = {Group.BUSINESS: 0, Group.NON_BUSINESS: 1, Group.BLOCKED: 2}
BUSINESS, NON_BUSINESS, BLOCKED = 0, 1, 2


@dataclass
class CompiledPolicy:
    """A policy as arrays: its group per connector id and whether it covers each environment id."""

    pk: int
    group_of: np.ndarray  # connector id -> group code
    covers: np.ndarray  # environment id -> bool
    exempt_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    group_of_new: int = NON_BUSINESS  # the group of a connector id past group_of's end
    covers_new: bool = True  # whether it covers an environment id past covers' end

    @classmethod
    def build(cls, pk, default, custom, scope, environments, listed, custom_ids, exempt_keys,
              max_connector, max_environment):
        """Args: `listed` {connector id: group}, `custom_ids` the ids of custom connectors."""
        group_of = np.full(max_connector + 1, CODES[default], dtype=np.int8)
        if custom:
            group_of[np.asarray(sorted(custom_ids), dtype=np.int64)] = CODES[custom]
        if listed:
            ids = np.fromiter(listed, dtype=np.int64, count=len(listed))
            group_of[ids] = [CODES[group] for group in listed.values()]
        covers = np.full(max_environment + 1, scope != Scope.ONLY, dtype=bool)
        if scope != Scope.ALL and environments:
            covers[np.asarray(list(environments), dtype=np.int64)] = scope == Scope.ONLY
        return cls(pk, group_of, covers, np.sort(np.asarray(list(exempt_keys), dtype=np.int64)),
                   group_of_new=CODES[default], covers_new=scope != Scope.ONLY)


@dataclass
class PolicyResult:
    """Which items one policy breaks, by rule, and which of them are exempt."""

    policy: CompiledPolicy
    blocked: np.ndarray  # bool per item
    mixed: np.ndarray
    exempt: np.ndarray
    groups: np.ndarray  # group code per usage, -1 where the policy does not cover the item

    @property
    def violating(self):
        return self.blocked | self.mixed


def _lookup(array, ids, fill):
    """array[ids], with `fill` for ids past its end (a connector or environment newer than the policy's arrays)."""
    out = np.full(len(ids), fill, dtype=array.dtype)
    inside = ids < len(array)
    out[inside] = array[ids[inside]]
    return out


def evaluate_policy(policy, items):
    """Evaluate one compiled policy over `items` (a matrix.Items)."""
    n = len(items)
    covered = _lookup(policy.covers, items.env, policy.covers_new)
    groups = _lookup(policy.group_of, items.u_conn, policy.group_of_new)
    groups[~covered[items.u_item]] = -1
    has = [np.bincount(items.u_item[groups == code], minlength=n) > 0 for code in (BUSINESS, NON_BUSINESS, BLOCKED)]
    exempt = np.isin(items.keys, policy.exempt_keys) if policy.exempt_keys.size else np.zeros(n, dtype=bool)
    return PolicyResult(policy, has[BLOCKED], has[BUSINESS] & has[NON_BUSINESS], exempt, groups)


def item_status(results, n):
    """Combine policy results: broken if any policy is broken and not exempt; exempt if only exempt."""
    broken = np.zeros(n, dtype=bool)
    exempt = np.zeros(n, dtype=bool)
    for result in results:
        broken |= result.violating & ~result.exempt
        exempt |= result.violating & result.exempt
    status = np.full(n, ItemStatus.OK, dtype=np.int8)
    status[exempt] = ItemStatus.EXEMPT
    status[broken] = ItemStatus.BROKEN
    return status


def connector_lists(result, items, code, only):
    """{item index: sorted connector ids in group `code`} for the items where `only` is true."""
    selected = (result.groups == code) & only[items.u_item]
    index, conn = items.u_item[selected], items.u_conn[selected]
    if not index.size:
        return {}
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    ends = np.r_[starts[1:], index.size].tolist()
    conn = conn.tolist()
    firsts = index[starts].tolist()
    return {item: conn[start:end] for item, start, end in zip(firsts, starts.tolist(), ends, strict=True)}


def violations(result, items):
    """Yield (item index, rule, business, non_business, blocked, exempt) for one policy's result."""
    blocked = connector_lists(result, items, BLOCKED, result.blocked)
    business = connector_lists(result, items, BUSINESS, result.mixed)
    non_business = connector_lists(result, items, NON_BUSINESS, result.mixed)
    exempt = result.exempt
    for item, conns in blocked.items():
        yield item, Rule.BLOCKED, [], [], conns, bool(exempt[item])
    for item, conns in business.items():
        yield item, Rule.MIXED, conns, non_business[item], [], bool(exempt[item])
