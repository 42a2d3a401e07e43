"""The DLP rule semantics, vectorised over every item at once.

A policy applies to an item when its scope covers the item's environment. Each connector the
item uses takes the group the policy lists it in; a connector the policy does not list takes
the policy's default group (custom connectors: the custom connector group when it is set).
The item breaks the policy when it uses a blocked connector, or connectors from both the
business and the non-business group. Every policy that applies must be satisfied; an item
exempt from a policy is exempt, not broken, under that policy only.

Custom connectors the policy does not list are classified by its URL patterns, in order: the
first pattern their host matches decides the group ("Ignore": the default group); the `*`
pattern is the policy's custom connector group. An item also breaks the policy when, through a
connector that is not blocked, it calls an operation the policy's action rules block (an
operation without a rule takes the connector's default behaviour), or names an endpoint whose
first matching endpoint rule, in order, denies it (features(): the operations and endpoints
the inventory read from flow definitions and app data sets).
"""

import functools
import re
from dataclasses import dataclass, field

import numpy as np

from ..choices import Group, ItemStatus, Rule, Scope

__all__ = ["CODES", "CompiledPolicy", "Features", "PolicyResult", "evaluate_policy", "item_status", "url_group"]

CODES = {Group.BUSINESS: 0, Group.NON_BUSINESS: 1, Group.BLOCKED: 2}
BUSINESS, NON_BUSINESS, BLOCKED = 0, 1, 2
ACTION, ENDPOINT = 0, 1  # Features.kind


@functools.lru_cache(maxsize=4096)
def _pattern(text):
    """A DLP URL or endpoint pattern (`*` the only wildcard, case-insensitive) as a regex.

    A pattern that names no path ("https://*.contoso.com") covers every path on the hosts it matches.
    """
    text = text.lower().rstrip("/")
    any_path = "/" not in text.partition("://")[2] if "://" in text else "/" not in text
    return re.compile(re.escape(text).replace(r"\*", ".*") + (r"(/.*)?\Z" if any_path else r"\Z"))


def matches(pattern, value):
    """Whether `value` (a host URL, an endpoint) matches the pattern; a trailing "/" is ignored."""
    return bool(_pattern(pattern).match(value.lower().rstrip("/")))


def url_group(patterns, host_url):
    """The group the first URL pattern `host_url` matches gives, "" when none does or it says Ignore.

    `patterns` are [(pattern, group or "")] in the policy's order, without the `*` rule.
    """
    for pattern, group in patterns:
        if matches(pattern, host_url or ""):
            return group
    return ""


@dataclass
class Features:
    """What some items call through some connectors: one row per (item, connector, operation or endpoint)."""

    item: np.ndarray  # index into Items.keys
    conn: np.ndarray  # connector id
    kind: np.ndarray  # ACTION or ENDPOINT
    value: np.ndarray  # index into `values`
    values: list


def _rule_breaks(policy, features):
    """Per feature row: does this policy's action or endpoint rule forbid it? Decided once per distinct value."""
    broken = np.zeros(len(features.item), dtype=bool)
    for conn in np.unique(features.conn).tolist():
        actions, endpoints = policy.action_rules.get(conn), policy.endpoint_rules.get(conn)
        if actions is None and endpoints is None:
            continue
        rows = np.flatnonzero(features.conn == conn)
        pairs, inverse = np.unique(features.kind[rows].astype(np.int64) * len(features.values) + features.value[rows],
                                   return_inverse=True)
        verdict = np.array([_forbidden(actions, endpoints, pair // len(features.values),
                                       features.values[pair % len(features.values)]) for pair in pairs.tolist()],
                           dtype=bool)
        broken[rows] = verdict[inverse]
    return broken


def _forbidden(actions, endpoints, kind, value):
    if kind == ACTION:
        return actions is not None and actions[1].get(value, actions[0]) == "Block"
    rule = _endpoint_rule(endpoints, value)
    return rule is not None and rule[2] == "Deny"


def _endpoint_rule(rules, endpoint):
    """(order, pattern, behaviour) of the first endpoint rule `endpoint` matches, None when none does."""
    return next(((order, pattern, behaviour) for order, (pattern, behaviour) in enumerate(rules or (), start=1)
                 if matches(pattern, endpoint)), None)


@dataclass
class CompiledPolicy:
    """A policy as arrays: its group per connector id and whether it covers each environment id."""

    pk: int
    group_of: np.ndarray  # connector id -> group code
    covers: np.ndarray  # environment id -> bool
    exempt_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    group_of_new: int = NON_BUSINESS  # the group of a connector id past group_of's end
    covers_new: bool = True  # whether it covers an environment id past covers' end
    action_rules: dict = field(default_factory=dict)  # connector id -> (default behaviour, {operation: behaviour})
    endpoint_rules: dict = field(default_factory=dict)  # connector id -> [(pattern, behaviour)] in order

    @property
    def has_rules(self):
        return bool(self.action_rules or self.endpoint_rules)

    @classmethod
    def build(cls, pk, default, custom, scope, environments, listed, custom_ids, exempt_keys,
              max_connector, max_environment, url_patterns=(), action_rules=None, endpoint_rules=None):
        """Args: `listed` {connector id: group}, `custom_ids` {custom connector id: its host URL},
        `url_patterns` [(pattern, group or "")] in order (the `*` one is `custom`)."""
        group_of = np.full(max_connector + 1, CODES[default], dtype=np.int8)
        for conn, host in dict(custom_ids).items():
            group = url_group(url_patterns, host) or custom
            if group:
                group_of[conn] = CODES[group]
        if listed:
            ids = np.fromiter(listed, dtype=np.int64, count=len(listed))
            group_of[ids] = [CODES[group] for group in listed.values()]
        covers = np.full(max_environment + 1, scope != Scope.ONLY, dtype=bool)
        if scope != Scope.ALL and environments:
            covers[np.asarray(list(environments), dtype=np.int64)] = scope == Scope.ONLY
        return cls(pk, group_of, covers, np.sort(np.asarray(list(exempt_keys), dtype=np.int64)),
                   group_of_new=CODES[default], covers_new=scope != Scope.ONLY,
                   action_rules=dict(action_rules or {}), endpoint_rules=dict(endpoint_rules or {}))


@dataclass
class PolicyResult:
    """Which items one policy breaks, by rule, and which of them are exempt."""

    policy: CompiledPolicy
    blocked: np.ndarray  # bool per item
    mixed: np.ndarray
    exempt: np.ndarray
    groups: np.ndarray  # group code per usage, -1 where the policy does not cover the item
    rules: np.ndarray = None  # bool per item: calls an operation or endpoint the policy forbids
    rule_rows: np.ndarray = None  # indexes into items.features of the forbidden calls

    @property
    def violating(self):
        return self.blocked | self.mixed | self.rules


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
    rules, rule_rows = np.zeros(n, dtype=bool), np.zeros(0, np.int64)
    features = getattr(items, "features", None)
    if policy.has_rules and features is not None and len(features.item):
        # A forbidden call counts where the policy covers the item and the connector is not blocked outright.
        conn_group = _lookup(policy.group_of, features.conn, policy.group_of_new)
        live = covered[features.item] & (conn_group != BLOCKED)
        rule_rows = np.flatnonzero(_rule_breaks(policy, features) & live)
        rules[features.item[rule_rows]] = True
    return PolicyResult(policy, has[BLOCKED], has[BUSINESS] & has[NON_BUSINESS], exempt, groups, rules, rule_rows)


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
    """Yield (item index, rule, business, non_business, blocked, exempt, detail) for one policy's result.

    For an action or endpoint rule, `blocked` holds the connector and `detail` the operation or endpoint.
    """
    blocked = connector_lists(result, items, BLOCKED, result.blocked)
    business = connector_lists(result, items, BUSINESS, result.mixed)
    non_business = connector_lists(result, items, NON_BUSINESS, result.mixed)
    exempt = result.exempt
    for item, conns in blocked.items():
        yield item, Rule.BLOCKED, [], [], conns, bool(exempt[item]), ""
    for item, conns in business.items():
        yield item, Rule.MIXED, conns, non_business[item], [], bool(exempt[item]), ""
    features = getattr(items, "features", None)
    for row in (result.rule_rows if result.rule_rows is not None else ()).tolist():
        item, conn = int(features.item[row]), int(features.conn[row])
        value = features.values[int(features.value[row])]
        if features.kind[row] == ACTION:
            yield item, Rule.ACTION, [], [], [conn], bool(exempt[item]), value
        else:
            yield item, Rule.ENDPOINT, [], [], [conn], bool(exempt[item]), _endpoint_reason(result.policy, conn, value)


def _endpoint_reason(policy, conn, endpoint):
    """The endpoint and the rule that denies it: "https://x.example/a (rule 2: * deny)"."""
    rule = _endpoint_rule(policy.endpoint_rules.get(conn), endpoint)
    return f"{endpoint} (rule {rule[0]}: {rule[1]} {rule[2].lower()})" if rule else endpoint
