"""Tags: bulk apply/remove over a filtered selection, merge, rules with preview, rules after a sync."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coe_portal.core.models import AuditEntry
from inventory.models import App, Flow, Tag, TagRule
from inventory.services import tags
from tests.inventory.factories import make_app, make_environment, make_flow, make_maker, make_tag, use_connector
from tests.support.tenant import sync_now

pytestmark = pytest.mark.django_db


def test_bulk_tag_every_filtered_app_then_remove_from_checked_ones(admin_client):
    wide = [make_app(f"Wide {n}", shared_users_count=60) for n in range(3)]
    narrow = make_app("Narrow", shared_users_count=1)
    url = reverse("inventory:bulk-tag", args=["app"])
    response = admin_client.post(url, {"new_tag": "Too wide", "action": "add", "scope": "all",
                                       "query": "shared_min=50"}, HTTP_HX_REQUEST="true")
    assert "Tagged 3 apps with Too wide" in response.content.decode()
    tag = Tag.objects.get(name="Too wide")
    assert set(tag.apps.all()) == set(wide) and narrow not in tag.apps.all()
    response = admin_client.post(url, {"tag": tag.pk, "action": "remove", "scope": "selected",
                                       "pk": [wide[0].pk, narrow.pk], "query": "shared_min=50"})
    assert "Untagged 1 apps" in response.content.decode()
    assert set(tag.apps.all()) == set(wide[1:])
    assert AuditEntry.objects.filter(action="tag.bulk_remove", details__changed=1).exists()


def test_bulk_tag_without_a_tag_is_refused(admin_client):
    response = admin_client.post(reverse("inventory:bulk-tag", args=["flow"]), {"action": "add", "scope": "all"})
    assert response.status_code == 400
    assert "Choose a tag or name a new one" in response.content.decode()


def test_create_rename_recolour_and_merge(admin_client):
    admin_client.post(reverse("inventory:tag-create"), {"name": "Old name", "colour": "#AA0000", "description": "x"})
    tag = Tag.objects.get(name="Old name")
    assert tag.colour == "#aa0000" and tag.slug == "old-name"
    bad = admin_client.post(reverse("inventory:tag-edit", args=[tag.pk]), {"name": "New", "colour": "red"})
    assert "Give a colour as #rrggbb" in bad.content.decode()
    admin_client.post(reverse("inventory:tag-edit", args=[tag.pk]), {"name": "New name", "colour": "#00aa00"})
    tag.refresh_from_db()
    assert tag.name == "New name"
    app, flow = make_app(), make_flow()
    tag.apps.add(app)
    tag.flows.add(flow)
    target = make_tag("target")
    target.apps.add(app)
    TagRule.objects.create(name="r", tag=tag, kind="default_env")
    admin_client.post(reverse("inventory:tag-merge", args=[tag.pk]), {"into": target.pk})
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert list(target.apps.all()) == [app] and list(target.flows.all()) == [flow]
    assert TagRule.objects.get().tag == target


@pytest.mark.parametrize("kind,value,expected", [
    ("connector", "shared_sql", {"Sql app", "Sql flow"}),
    ("department", "hr", {"Hr app"}),
    ("location", "bergen", {"Hr app"}),
    ("inactive", "200", {"Old app", "Old flow"}),
    ("shared", "40", {"Wide app"}),
    ("default_env", "", {"Sql app", "Sql flow", "Hr app", "Old app", "Old flow", "Excel flow"}),
    ("excel_sharepoint", "", {"Excel flow", "List app"}),
])
def test_each_rule_kind_matches_what_it_says(kind, value, expected):
    default, other = make_environment(), make_environment(default=False)
    use_connector(make_app("Sql app", environment=default), "shared_sql")
    use_connector(make_flow("Sql flow", environment=default), "shared_sql")
    make_app("Hr app", environment=default, owner=make_maker(department="HR", location="Bergen"))
    make_app("Old app", environment=default, days_old=300)
    make_flow("Old flow", environment=default, days_old=300)
    make_app("Wide app", environment=other, shared_users_count=41)
    use_connector(make_flow("Excel flow", environment=default), "shared_excelonlinebusiness")
    make_app("List app", environment=other, uses_sharepoint_list=True)
    now = timezone.now()
    for model in (App, Flow):  # usage read for a year: used yesterday, except the two old ones
        model.objects.update(usage_known_since=now - timedelta(days=400), usage_checked_time=now,
                             **{model.last_used_field: now - timedelta(days=1)})
        old = model.objects.filter(display_name__startswith="Old")
        old.update(**{model.last_used_field: now - timedelta(days=300)})
    rule = TagRule.objects.create(name="r", tag=make_tag("t"), kind=kind, value=value)
    counts = tags.preview(rule)
    assert counts["apps"] + counts["flows"] == len(expected)
    assert tags.apply_rule(rule) == len(expected)
    tagged = {item.display_name for item in [*rule.tag.apps.all(), *rule.tag.flows.all()]}
    assert tagged == expected


def test_rule_page_previews_the_match_count_then_saves_and_applies(admin_client):
    tag = make_tag("default-env")
    make_app(environment=make_environment())
    make_flow()
    data = {"name": "In default", "tag": tag.pk, "kind": "default_env", "value": "", "target": "both",
            "enabled": "on"}
    preview = admin_client.post(reverse("inventory:rule-create"), {**data, "preview": "1"}, HTTP_HX_REQUEST="true")
    assert "This rule matches 1 apps and 1 flows now." in preview.content.decode()
    assert not TagRule.objects.exists() and not tag.apps.exists()
    bad = admin_client.post(reverse("inventory:rule-create"), {**data, "kind": "inactive", "preview": "1"},
                            HTTP_HX_REQUEST="true")
    assert "Give a whole number of days" in bad.content.decode()
    admin_client.post(reverse("inventory:rule-create"), {**data, "apply": "1"})
    rule = TagRule.objects.get()
    assert rule.last_matched == 2 and tag.apps.count() == 1 and tag.flows.count() == 1
    assert AuditEntry.objects.filter(action="tag_rule.apply").exists()


def test_rules_and_recommendations_rerun_when_a_sync_finishes(celery_worker, make_tenant):
    make_tenant(apps=20, flows=20)
    tag = make_tag("everything-default")
    TagRule.objects.create(name="default", tag=tag, kind="default_env")
    sync_now()
    deadline = time.monotonic() + 30
    while not TagRule.objects.get().last_run and time.monotonic() < deadline:
        time.sleep(0.2)
    in_default = App.objects.filter(environment__is_default=True).count()
    assert in_default and tag.apps.count() == in_default
    assert not App.objects.filter(recommendation="").exists()
    # ... and the dashboards' figures of the day are retaken from the refreshed tags.
    from coe_portal.dashboards.models import Snapshot

    while not Snapshot.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    tagged = sum(row.get("tagged", 0) for row in Snapshot.objects.exclude(department=None).values_list(
        "figures", flat=True))
    assert tagged == in_default + tag.flows.count()
