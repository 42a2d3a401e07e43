"""Current against proposed: a draft in place of a live policy, and the incremental recompute."""

import pytest
from django.utils import timezone

from dlp.choices import Change
from dlp.models import ImpactItem
from dlp.services import impact
from dlp.services.explain import explain
from dlp.services.policies import copy_to_draft, move_connector

from .world import add_item, add_policy, build_inventory, run_impact


def _changes(run):
    return {(row.app or row.flow).display_name: Change(row.change).name.lower()
            for row in ImpactItem.objects.filter(run=run).select_related("app", "flow")}


def _rows(run):
    return sorted(ImpactItem.objects.filter(run=run).values_list(
        "app_id", "flow_id", "current", "proposed", "change", "blocked_by", "mixed_by", "exempt_from"), key=str)


@pytest.fixture
def world(db):
    envs, connectors = build_inventory()
    c = connectors
    items = {
        "mixer": add_item("mixer", envs["dev"], [c["sharepoint"], c["sql"]]),
        "tweeter": add_item("tweeter", envs["prod"], [c["twitter"], c["sharepoint"]], kind="flow"),
        "clean": add_item("clean", envs["dev"], [c["sharepoint"]]),
        "sqlonly": add_item("sqlonly", envs["prod"], [c["sql"]], kind="flow"),
    }
    live = add_policy("Baseline", envs, connectors, groups={"sharepoint": "business", "twitter": "blocked"},
                      default="non_business")
    return envs, connectors, items, live


def test_draft_replacing_live_policy_gives_new_fixed_and_unchanged(world):
    envs, c, items, live = world
    draft = copy_to_draft(live)
    move_connector(draft, c["sql"], "business")  # fixes mixer
    move_connector(draft, c["sharepoint"], "non_business")  # breaks nothing alone...
    move_connector(draft, c["sql"], "business")
    run = run_impact(draft)
    # sharepoint non-business + sql business: mixer now mixes the other way round; tweeter stays blocked.
    assert _changes(run) == {"mixer": "unchanged", "tweeter": "unchanged"}
    move_connector(draft, c["sharepoint"], "business")
    run = run_impact(draft)
    assert _changes(run) == {"mixer": "fixed", "tweeter": "unchanged"}
    [why] = explain(draft, [items["mixer"].pk])[items["mixer"].pk]
    assert (why.proposed, why.policy_id, why.rule, why.non_business) == (False, live.pk, "mixed", (c["sql"].pk,))


def test_draft_added_beside_live_policies_only_breaks_more(world):
    envs, c, items, live = world
    extra = add_policy("Block SQL in prod", envs, c, groups={"sql": "blocked"}, scope="OnlyEnvironments",
                       scope_envs=["prod"], draft=True)
    run = run_impact(extra)
    assert _changes(run) == {"mixer": "unchanged", "tweeter": "unchanged", "sqlonly": "new"}
    sql, sharepoint, twitter = c["sql"].pk, c["sharepoint"].pk, c["twitter"].pk
    assert run.counts == {"new": 1, "fixed": 0, "unchanged": 2, "exempt": 0, "connectors": {
        str(sql): [2, 1], str(sharepoint): [1, 0], str(twitter): [1, 0]}}


def test_incremental_recompute_matches_a_full_one(world):
    envs, c, items, live = world
    draft = copy_to_draft(live)
    run = run_impact(draft)
    impact.recompute(run, connector=c["sql"].pk, change=lambda: move_connector(draft, c["sql"], "blocked"))
    assert _changes(run) == {"mixer": "unchanged", "tweeter": "unchanged", "sqlonly": "new"}
    full = run_impact(draft)
    assert _rows(run) == _rows(full)
    assert run.counts == full.counts


def test_deleted_items_are_not_evaluated(world):
    envs, c, items, live = world
    items["mixer"].deleted_at = timezone.now()
    items["mixer"].save()
    assert "mixer" not in _changes(run_impact())


def test_a_new_or_deleted_item_is_seen_by_the_next_run(world):
    envs, c, items, live = world
    assert "late" not in _changes(run_impact())
    late = add_item("late", envs["dev"], [c["twitter"]])
    assert _changes(run_impact())["late"] == "unchanged"
    late.deleted_at = timezone.now()
    late.save()
    assert "late" not in _changes(run_impact())
