"""The exact violations of a few items (the rows on screen, a chunk of an export), by the engine's own rules."""

from collections import defaultdict
from dataclasses import dataclass

from . import matrix
from .engine import violations
from .impact import Evaluation, scenario

__all__ = ["Explained", "explain", "item_key"]


@dataclass(frozen=True)
class Explained:
    """One rule of one policy an item breaks, with the connectors on each side (ids)."""

    policy_id: int
    rule: str
    business: tuple
    non_business: tuple
    blocked: tuple
    exempt: bool
    proposed: bool  # the policy is in the proposed set (else only in the current one, replaced by the draft)
    detail: str = ""  # for an action or endpoint rule: the operation or endpoint it forbids (the connector: blocked)


def item_key(row):
    """The engine's key of an ImpactItem-like row: the app id, or minus the flow id."""
    return row.app_id if row.app_id else -row.flow_id


def explain(draft, keys):
    """{item key: [Explained]} for the items `keys` under the live policies and `draft`."""
    items = matrix.load(keys=list(keys))
    current, proposed = scenario(draft)
    evaluation = Evaluation(items, current, proposed)
    proposed_ids = set(evaluation.proposed_ids)
    found = defaultdict(list)
    for pk, result in evaluation.results.items():
        for index, rule, business, non_business, blocked, exempt, detail in violations(result, evaluation.items):
            found[int(items.keys[index])].append(Explained(
                pk, str(rule), tuple(business), tuple(non_business), tuple(blocked), exempt, pk in proposed_ids,
                detail))
    return dict(found)
