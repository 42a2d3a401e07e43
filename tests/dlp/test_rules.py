"""Rule semantics, table-driven: each row is policies, one item, and the violations expected."""

import pytest

from dlp.models import ImpactItem
from dlp.services.explain import explain

from .world import add_item, add_policy, build_inventory, run_impact

B, N, X = "business", "non_business", "blocked"
ALL, EXCEPT, ONLY = "AllEnvironments", "ExceptEnvironments", "OnlyEnvironments"

# (case, policies, item (env, connectors, kind),
#  expected {(policy, rule, business, non_business, blocked, exempt)})
CASES = [
    ("blocked connector", [dict(groups={"twitter": X, "sharepoint": B})], ("dev", ["sharepoint", "twitter"], "app"),
     {("P0", "blocked", (), (), ("twitter",), False)}),
    ("business with non-business", [dict(groups={"sharepoint": B, "o365users": N})],
     ("dev", ["sharepoint", "o365users"], "app"), {("P0", "mixed", ("sharepoint",), ("o365users",), (), False)}),
    ("business only is fine", [dict(groups={"sharepoint": B, "sql": B})], ("dev", ["sharepoint", "sql"], "app"), set()),
    ("unlisted connector takes the default group", [dict(groups={"sharepoint": B}, default=N)],
     ("dev", ["sharepoint", "sql"], "flow"), {("P0", "mixed", ("sharepoint",), ("sql",), (), False)}),
    ("default group blocked", [dict(groups={"sharepoint": B}, default=X)], ("dev", ["sharepoint", "sql"], "app"),
     {("P0", "blocked", (), (), ("sql",), False)}),
    ("default group business: no mix", [dict(groups={"sharepoint": B}, default=B)],
     ("dev", ["sharepoint", "sql"], "app"), set()),
    ("custom connector takes the default group", [dict(groups={"sharepoint": B}, default=N)],
     ("dev", ["sharepoint", "custom"], "app"), {("P0", "mixed", ("sharepoint",), ("custom",), (), False)}),
    ("custom connector pattern group", [dict(groups={"sharepoint": B}, default=B, custom=X)],
     ("dev", ["sharepoint", "custom"], "app"), {("P0", "blocked", (), (), ("custom",), False)}),
    ("custom connector listed wins over its pattern", [dict(groups={"custom": B, "sharepoint": B}, custom=X)],
     ("dev", ["sharepoint", "custom"], "app"), set()),
    ("HTTP connector blocked", [dict(groups={"http": X})], ("dev", ["http"], "flow"),
     {("P0", "blocked", (), (), ("http",), False)}),
    ("HTTP connector unlisted takes the default group", [dict(groups={"sharepoint": B}, default=N)],
     ("dev", ["sharepoint", "http"], "flow"), {("P0", "mixed", ("sharepoint",), ("http",), (), False)}),
    ("all-except: excluded environment", [dict(groups={"twitter": X}, scope=EXCEPT, scope_envs=["dev"])],
     ("dev", ["twitter"], "app"), set()),
    ("all-except: other environment", [dict(groups={"twitter": X}, scope=EXCEPT, scope_envs=["dev"])],
     ("prod", ["twitter"], "app"), {("P0", "blocked", (), (), ("twitter",), False)}),
    ("only: listed environment", [dict(groups={"twitter": X}, scope=ONLY, scope_envs=["prod"])],
     ("prod", ["twitter"], "app"), {("P0", "blocked", (), (), ("twitter",), False)}),
    ("only: item outside the scope", [dict(groups={"twitter": X}, scope=ONLY, scope_envs=["prod"])],
     ("sandbox", ["twitter"], "flow"), set()),
    ("two policies: the second breaks it",
     [dict(groups={"sharepoint": B, "sql": B}),
      dict(groups={"sharepoint": B, "sql": N}, scope=ONLY, scope_envs=["dev"])],
     ("dev", ["sharepoint", "sql"], "app"), {("P1", "mixed", ("sharepoint",), ("sql",), (), False)}),
    ("two policies: both break it",
     [dict(groups={"twitter": X}), dict(groups={"sharepoint": B, "twitter": N})],
     ("dev", ["sharepoint", "twitter"], "app"),
     {("P0", "blocked", (), (), ("twitter",), False), ("P1", "mixed", ("sharepoint",), ("twitter",), (), False)}),
    ("blocked and mixed in one policy", [dict(groups={"sharepoint": B, "sql": N, "twitter": X})],
     ("dev", ["sharepoint", "sql", "twitter"], "flow"),
     {("P0", "blocked", (), (), ("twitter",), False), ("P0", "mixed", ("sharepoint",), ("sql",), (), False)}),
    ("exempt item", [dict(groups={"twitter": X}, exempt=True)], ("dev", ["twitter"], "app"),
     {("P0", "blocked", (), (), ("twitter",), True)}),
    ("exempt from one policy, broken by another",
     [dict(groups={"twitter": X}, exempt=True), dict(groups={"twitter": X})],
     ("dev", ["twitter"], "flow"),
     {("P0", "blocked", (), (), ("twitter",), True), ("P1", "blocked", (), (), ("twitter",), False)}),
]


def _status(expected):
    if any(not exempt for *_, exempt in expected):
        return 2
    return 1 if expected else 0


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "policies", "item", "expected"), CASES, ids=[case[0] for case in CASES])
def test_rule(case, policies, item, expected):
    envs, connectors = build_inventory()
    env, used, kind = item
    target = add_item("item", envs[env], [connectors[name] for name in used], kind=kind)
    add_item("bystander", envs[env], [connectors["sharepoint"]], kind="app")
    names = {}
    for index, spec in enumerate(policies):
        spec = dict(spec)
        exempt = [target] if spec.pop("exempt", False) else []
        policy = add_policy(f"P{index}", envs, connectors, exempt=exempt, **spec)
        names[policy.pk] = policy.display_name
    run = run_impact()
    label = {c.pk: name for name, c in connectors.items()}

    def names_of(ids):
        return tuple(sorted(label[i] for i in ids))

    found = {(names[v.policy_id], v.rule, names_of(v.business), names_of(v.non_business), names_of(v.blocked), v.exempt)
             for v in explain(None, [target.pk if kind == "app" else -target.pk]).get(
                 target.pk if kind == "app" else -target.pk, [])}
    assert found == expected
    status = ImpactItem.objects.filter(run=run).values_list("proposed", "blocked_by", "mixed_by", "exempt_from")
    bits = {name: 1 << run.policy_ids.index(pk) for pk, name in names.items()}

    def mask(rule=None, exempt=None):
        return sum({bits[p] for p, r, *_, e in expected if r == rule or (exempt and e)})

    stored = (_status(expected), mask("blocked"), mask("mixed"), mask(exempt=True))
    assert list(status) == ([stored] if expected else [])
