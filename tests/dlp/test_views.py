"""The review pages: a draft edited, the impact read, the drill-down's bulk actions and the exports."""

import csv
import io
import time

import pytest
from django.urls import reverse

from dlp.choices import Change, ItemStatus
from dlp.models import Exemption, ImpactItem, ImpactRun, Policy, TargetProposal
from dlp.services import impact
from dlp.services.policies import copy_to_draft
from inventory.models import Tag

from .world import add_item, add_policy, build_inventory


@pytest.fixture
def world(db):
    envs, c = build_inventory()
    items = {
        "Mixer": add_item("Mixer", envs["dev"], [c["sharepoint"], c["sql"]]),
        "Poster": add_item("Poster", envs["dev"], [c["sharepoint"], c["twitter"]], kind="flow"),
        "Plain": add_item("Plain", envs["prod"], [c["sql"]]),
    }
    live = add_policy("Baseline", envs, c, groups={"sharepoint": "business", "sql": "business"}, default="business",
                      scope="ExceptEnvironments", scope_envs=["prod"])
    draft = copy_to_draft(live)
    impact.compute(ImpactRun.objects.create(draft=draft))
    return envs, c, items, draft


def _csv(response):
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_moving_a_connector_shows_newly_broken_items_with_the_exact_connectors(client, coe_admin, world):
    envs, c, items, draft = world
    client.force_login(coe_admin)
    move = {"connector": c["twitter"].pk, "group": "non_business"}
    response = client.post(reverse("dlp:policy-move", args=[draft.pk]), move, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"1 newly broken" in response.content
    page = client.get(reverse("dlp:impact-items", args=[draft.pk]), {"change": Change.NEW})
    assert [row.record.item.display_name for row in page.context["table"].rows] == ["Poster"]
    assert "business sharepoint with non-business twitter" in page.content.decode()
    summary = client.get(reverse("dlp:impact", args=[draft.pk])).content.decode()
    assert "Dev" in summary and "twitter" in summary


def test_exports_keep_the_dlp_editor_layout_and_add_the_rule(client, coe_admin, world):
    envs, c, items, draft = world
    client.force_login(coe_admin)
    client.post(reverse("dlp:policy-move", args=[draft.pk]), {"connector": c["sql"].pk, "group": "non_business"})
    apps = _csv(client.get(reverse("dlp:impact-apps-csv", args=[draft.pk])))
    assert [(r["AppName"], r["AppConnections"], r["AppEnvironmentID"], r["ImpactRules"], r["BusinessConnectors"],
             r["NonBusinessConnectors"], r["ImpactChange"]) for r in apps] == [
        ("Mixer", "shared_sharepoint, shared_sql", "dev", "mixed", "shared_sharepoint", "shared_sql", "Newly broken")]
    assert apps[0]["AppOwnerEmail"] == "max@contoso.example" and apps[0]["AppID"] == "Mixer"
    flows = _csv(client.get(reverse("dlp:impact-flows-csv", args=[draft.pk])))
    assert flows == []


def test_bulk_actions_tag_exempt_notify_and_propose_targets(client, coe_admin, world):
    envs, c, items, draft = world
    client.force_login(coe_admin)
    client.post(reverse("dlp:policy-move", args=[draft.pk]), {"connector": c["sql"].pk, "group": "non_business"})
    row = ImpactItem.objects.get(app=items["Mixer"])
    bulk = reverse("dlp:impact-bulk", args=[draft.pk])
    client.post(bulk, {"action": "target", "pk": [row.pk]})
    assert TargetProposal.objects.get(app=items["Mixer"]).environment == envs["prod"]  # the policy skips prod
    form = client.post(bulk, {"action": "notify", "pk": [row.pk]}, follow=True)
    assert form.context["selection"] == {"app": [items["Mixer"].pk], "flow": []}
    assert not Tag.objects.exists()  # notifying opens the campaign form and changes nothing yet
    client.post(bulk, {"action": "exempt", "pk": [row.pk], "reason": "Signed off by the data owner"})
    assert Exemption.objects.get(policy=draft, app=items["Mixer"]).reason == "Signed off by the data owner"
    run = ImpactRun.objects.get(draft=draft)
    assert ImpactItem.objects.get(run=run, app=items["Mixer"]).proposed == ItemStatus.EXEMPT
    assert run.counts["new"] == 0 and run.counts["exempt"] == 1


def test_connector_page_says_what_would_break_if_it_moved(client, manager, world):
    envs, c, items, draft = world
    client.force_login(manager)
    page = client.get(reverse("dlp:connector", args=[c["sharepoint"].pk]), {"draft": draft.pk})
    moved = dict(page.context["moved"])
    assert moved["Blocked"] == (2, 2) and moved["Business"] == (0, 0)
    assert moved["Non-business"] == (2, 2)  # sharepoint against sql in Mixer, against twitter (default) in Poster


def test_a_maker_cannot_open_the_review(client, maker, world):
    envs, c, items, draft = world
    client.force_login(maker)
    assert client.get(reverse("dlp:impact-items", args=[draft.pk])).status_code == 403
    assert client.get(reverse("dlp:impact-apps-csv", args=[draft.pk])).status_code == 403


def test_a_real_worker_computes_a_run_started_from_the_page(client, coe_admin, celery_worker):
    envs, c = build_inventory()
    add_item("Mixer", envs["dev"], [c["sharepoint"], c["twitter"]])
    live = add_policy("Baseline", envs, c, groups={"twitter": "blocked"})
    client.force_login(coe_admin)
    client.post(reverse("dlp:policy-copy", args=[live.pk]))
    draft = Policy.objects.get(is_draft=True)
    deadline = time.monotonic() + 30
    while not ImpactRun.objects.filter(draft=draft, status="done").exists():
        assert time.monotonic() < deadline, "the worker did not compute the run"
        time.sleep(0.2)
    assert ImpactRun.objects.get(draft=draft).counts["unchanged"] == 1


def test_the_drill_down_suggests_where_a_broken_item_could_go(client, coe_admin, world):
    envs, c, items, draft = world
    client.force_login(coe_admin)
    client.post(reverse("dlp:policy-move", args=[draft.pk]), {"connector": c["sql"].pk, "group": "non_business"})
    page = client.get(reverse("dlp:impact-items", args=[draft.pk]))
    [row] = [r for r in page.context["table"].rows if r.record.app_id == items["Mixer"].pk]
    assert row.get_cell("targets") == "Prod"  # the draft skips prod; sandbox is covered and breaks it


def test_the_summary_polls_a_pending_run_and_refreshes_when_it_is_done(client, coe_admin, world):
    envs, c, items, draft = world
    client.force_login(coe_admin)
    run = ImpactRun.objects.create(draft=draft)
    polled = client.get(reverse("dlp:impact", args=[draft.pk]), HTTP_HX_REQUEST="true")
    assert b"Computing the impact" in polled.content
    impact.run(run.pk)
    done = client.get(reverse("dlp:impact", args=[draft.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    assert list(ImpactRun.objects.filter(draft=draft).values_list("pk", flat=True)) == [run.pk]  # older pruned


def test_the_drill_down_filters_by_policy_and_rule_with_labelled_fields(client, coe_admin, world):
    envs, c, items, draft = world
    client.force_login(coe_admin)
    client.post(reverse("dlp:policy-move", args=[draft.pk]), {"connector": c["twitter"].pk, "group": "blocked"})
    url = reverse("dlp:impact-items", args=[draft.pk])
    page = client.get(url, {"policy": draft.pk, "rule": "blocked"})
    assert [r.record.item.display_name for r in page.context["table"].rows] == ["Poster"]
    assert not client.get(url, {"rule": "mixed"}).context["table"].rows
    assert b"invalid name" not in page.content


def test_notify_the_owners_of_every_item_the_filters_list(client, coe_admin, world):
    envs, c, items, draft = world
    client.force_login(coe_admin)
    client.post(reverse("dlp:policy-move", args=[draft.pk]), {"connector": c["twitter"].pk, "group": "non_business"})
    listed = client.get(reverse("dlp:impact-items", args=[draft.pk]), {"change": Change.NEW}).content.decode()
    assert "Notify the owners of these 1 item" in listed
    form = client.post(reverse("dlp:impact-bulk", args=[draft.pk]),
                       {"action": "notify", "scope": "listed", "query": f"change={Change.NEW}"}, follow=True)
    assert form.context["selection"] == {"app": [], "flow": [items["Poster"].pk]}
    assert "To <strong>1 owner</strong> about <strong>1 item</strong> (0 apps, 1 flow)" in form.content.decode()
    assert form.context["form"].initial["name"] == f"Owners of items impacted by {draft.display_name}"


def test_notify_over_an_invalid_filter_is_refused(client, coe_admin, world):
    envs, c, items, draft = world
    client.force_login(coe_admin)
    response = client.post(reverse("dlp:impact-bulk", args=[draft.pk]),
                           {"action": "notify", "scope": "listed", "query": "change=9&maker=x"})
    assert response.status_code == 400 and "maker" in response.content.decode()
