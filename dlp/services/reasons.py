"""Why, in words a maker reads: the live DLP rules an item breaks, and the ones that keep it out of an environment.

Both apply the engine's own rules (explain.py, targets.py) to a few items: a maker's page, one request.
"""

from dataclasses import dataclass, replace

import numpy as np

from inventory.models import Connector

from ..choices import Rule
from ..models import Policy
from . import matrix
from .engine import evaluate_policy, violations
from .explain import explain
from .impact import compile_policies, rule_connectors, scenario

__all__ = ["Break", "breaks", "target_blockers"]


@dataclass(frozen=True)
class Break:
    """One rule of one live policy that an item breaks, with the connectors (by name) that break it."""

    policy: str
    rule: str  # a Rule value
    connectors: tuple = ()
    business: tuple = ()
    non_business: tuple = ()
    detail: str = ""  # the operation or endpoint an action or endpoint rule forbids

    def __str__(self):
        if self.rule == Rule.MIXED:
            why = (f"uses business connectors ({', '.join(self.business)}) together with non-business ones "
                   f"({', '.join(self.non_business)})")
        elif self.rule == Rule.BLOCKED:
            why = f"uses the blocked connector{'s' if len(self.connectors) > 1 else ''} {', '.join(self.connectors)}"
        else:
            why = f"{Rule(self.rule).label.lower()}: {', '.join(self.connectors)} {self.detail}".rstrip()
        return f"DLP policy “{self.policy}”: {why}"


class _Names:
    """Connector and policy names, read once for the ids a set of violations mention."""

    def __init__(self, connector_ids, policy_ids):
        self.connectors = dict(Connector.objects.filter(pk__in=set(connector_ids)).values_list("pk", "display_name"))
        self.policies = dict(Policy.objects.filter(pk__in=set(policy_ids)).values_list("pk", "display_name"))

    def of(self, ids):
        return tuple(dict.fromkeys(self.connectors.get(pk) or str(pk) for pk in ids))

    def make(self, policy_id, rule, business, non_business, blocked, detail):
        return Break(self.policies.get(policy_id, str(policy_id)), str(rule), self.of(blocked), self.of(business),
                     self.of(non_business), detail)


def breaks(keys):
    """{item key: [Break]} for the live policies the items break where they are (exemptions left out)."""
    found = {key: [v for v in explained if not v.exempt] for key, explained in explain(None, keys).items()}
    names = _Names([pk for vs in found.values() for v in vs for pk in (*v.business, *v.non_business, *v.blocked)],
                   [v.policy_id for vs in found.values() for v in vs])
    return {key: [names.make(v.policy_id, v.rule, v.business, v.non_business, v.blocked, v.detail) for v in vs]
            for key, vs in found.items() if vs}


def target_blockers(keys, environments):
    """{environment pk: [(item key, Break)]}: what each live policy covering an environment would refuse there.

    Each policy is evaluated as if it covered the items (as suggest_targets does), then its
    violations are given to the environments its scope covers.
    """
    items = matrix.load(keys=list(keys))
    blockers = {env.pk: [] for env in environments}
    if not len(items) or not blockers:
        return blockers
    policies = compile_policies(scenario(None)[1])
    items = matrix.with_features(items, rule_connectors(policies.values()))
    found = {}
    for pk, policy in policies.items():
        everywhere = replace(policy, covers=np.ones_like(policy.covers), covers_new=True)
        rows = [(int(items.keys[index]), rule, business, non_business, blocked, detail)
                for index, rule, business, non_business, blocked, exempt, detail
                in violations(evaluate_policy(everywhere, items), items) if not exempt]
        if rows:
            found[pk] = (policy, rows)
    names = _Names([c for _, rows in found.values() for row in rows for c in (*row[2], *row[3], *row[4])], found)
    for pk, (policy, rows) in found.items():
        for env in environments:
            covered = policy.covers[env.pk] if env.pk < len(policy.covers) else policy.covers_new
            blockers[env.pk] += [(row[0], names.make(pk, *row[1:])) for row in rows] if covered else []
    return blockers
