"""Tenant-to-tenant readiness (seed 002): eligible types, clouds, and components found in the inventory."""

import pytest

from migrations_app.choices import Cloud
from migrations_app.services.plans.tenant_move import check_move, components, move_steps
from tests.migrations_app.plans import environment, populate

ONLY = ("only production and sandbox environments can move to another tenant (not default, developer, trial "
        "or Teams).")
CASES = [
    ("Production", False, Cloud.PUBLIC, Cloud.PUBLIC, []),
    ("Sandbox", False, Cloud.PUBLIC, Cloud.PUBLIC, []),
    ("Sandbox", False, Cloud.GCC, Cloud.GCC_HIGH, []),
    ("Default", True, Cloud.PUBLIC, Cloud.PUBLIC,
     ["'Env' is the default environment: default environments cannot move to another tenant. Only production and "
      "sandbox environments can."]),
    ("Developer", False, Cloud.PUBLIC, Cloud.PUBLIC, [f"'Env' is a Developer environment: {ONLY}"]),
    ("Trial", False, Cloud.PUBLIC, Cloud.PUBLIC, [f"'Env' is a Trial environment: {ONLY}"]),
    ("Teams", False, Cloud.PUBLIC, Cloud.PUBLIC, [f"'Env' is a Teams environment: {ONLY}"]),
    ("Production", False, Cloud.GCC, Cloud.PUBLIC,
     ["Moves from GCC to Public cloud are not supported: no GCC to public cloud or public cloud to GCC."]),
    ("Production", False, Cloud.PUBLIC, Cloud.DOD,
     ["Moves from Public cloud to DoD are not supported: no GCC to public cloud or public cloud to GCC."]),
]


@pytest.mark.parametrize(("kind", "default", "source_cloud", "destination_cloud", "expected"), CASES,
                         ids=[f"{c[0]}:{c[2]}->{c[3]}" for c in CASES])
def test_move_rules(kind, default, source_cloud, destination_cloud, expected):
    env = environment("Env", kind, default=default, save=False)
    assert [r.message for r in check_move(env, source_cloud, destination_cloud)] == expected


def test_it_finds_the_components_needing_work(db):
    env = environment("Prod Sales", "Production")
    populate(env)
    other = environment("Elsewhere", "Production")
    found = components(env)
    assert [str(f) for f in found["flows_outside_solutions"]] == ["Notify"]
    assert [str(a) for a in found["canvas_apps"]] == ["Expenses"]
    assert [str(b) for b in found["bots"]] == ["Helpdesk bot"]
    assert [str(s) for s in found["portals"]] == ["Partner Site"]
    assert [str(c) for c in found["custom_connectors"]] == ["Custom CRM"]
    assert found["connections"] == ["conn-1", "conn-2"]
    assert all(not items for items in components(other).values())
    ordered = move_steps(None, found)
    assert [step.phase for step in ordered] == sorted((s.phase for s in ordered), key=["Before the move",
                                                      "During the move", "After the move"].index)
    assert ordered[-1].label == "Recreate 2 connections" or ordered[-1].phase == "After the move"
    steps = {step.key: step for step in ordered}
    assert steps["flows_outside_solutions"].label == "Add 1 flow to Dataverse solutions"
    assert "Add-AdminFlowsToSolution" in steps["flows_outside_solutions"].detail
    assert steps["canvas_apps"].label == "Export 1 canvas app or component library, then delete them"
    assert {"target_users", "usermapping", "marketing_licences", "lockbox", "gateways", "mailboxes",
            "bots", "portals", "custom_connectors", "connections"} <= set(steps)
    assert "flows_outside_solutions" not in {step.key for step in move_steps(None, components(other))}
