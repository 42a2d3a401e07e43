"""Recommendations from seed 000's criteria, with admin-editable thresholds, computed in SQL."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coe_portal.core.models import AuditEntry
from inventory.models import App, Flow, TriageSettings
from inventory.services import recommendations
from tests.inventory.factories import make_app, make_environment, make_flow, make_maker, use_connector

pytestmark = pytest.mark.django_db


def recommended(item):
    item.refresh_from_db()
    return item.recommendation, item.recommendation_reasons.split(",") if item.recommendation_reasons else []


def known(item, since_days=400, last_used_days=None, checked_hours=1, **figures):
    """Give `item` usage as a usage sync would: known since `since_days` ago, last used `last_used_days` ago."""
    now = timezone.now()
    last = now - timedelta(days=last_used_days) if last_used_days is not None else None
    field = item.last_used_field
    type(item).objects.filter(pk=item.pk).update(
        usage_known_since=now - timedelta(days=since_days), usage_checked_time=now - timedelta(hours=checked_hours),
        **{field: last}, **figures)
    item.refresh_from_db()
    return item


def test_each_criterion_gives_its_disposition_and_reason(django_assert_num_queries):
    default, other = make_environment(), make_environment(default=False)
    wide = known(make_app(environment=default, shared_users_count=60), last_used_days=1)
    excel = known(make_app(environment=default, uses_excel=True), last_used_days=3)
    lists = known(make_app(environment=default, uses_sharepoint_list=True, shared_users_count=12), last_used_days=3)
    small_list = known(make_app(environment=default, uses_sharepoint_list=True, shared_users_count=3),
                       last_used_days=3)
    custom = known(make_flow(environment=default), last_used_days=0)
    use_connector(custom, "shared_contoso-erp", is_custom=True)
    stale = known(make_app(environment=default, days_old=200), last_used_days=200)
    ancient = known(make_flow(environment=default, days_old=500), since_days=600)
    orphan = known(make_app(environment=default, owner=make_maker(is_deleted_in_entra=True)), last_used_days=190)
    ownerless = make_flow(environment=default, creator=None)
    Flow.objects.filter(pk=ownerless.pk).update(creator=None)
    elsewhere = known(make_app(environment=other, shared_users_count=500), last_used_days=1)
    TriageSettings.load()
    with django_assert_num_queries(3):  # the settings row, then one UPDATE per model
        changed = recommendations.recompute()
    assert changed == {"apps": 7, "flows": 3}
    assert recommended(wide) == ("migrate", ["shared_widely"])
    assert recommended(excel) == ("migrate", ["excel_data"])
    assert recommended(lists) == ("migrate", ["heavy_sharepoint"])
    assert recommended(small_list) == ("keep", [])
    assert recommended(custom) == ("migrate", ["custom_connector"])
    assert recommended(stale) == ("quarantine", ["inactive"])
    assert recommended(ancient) == ("delete", ["long_inactive"])
    assert recommended(orphan) == ("quarantine", ["inactive", "orphaned"])
    # No usage known: an orphaned flow is flagged, not cleaned up on a guess.
    assert recommended(ownerless) == ("keep", ["usage_unknown", "orphaned"])
    assert recommended(elsewhere) == ("keep", ["shared_widely"])
    assert recommendations.recompute() == {"apps": 0, "flows": 0}  # unchanged rows are not rewritten


def test_usage_decides_unused_never_the_modification_date():
    environment = make_environment()
    hourly = known(make_flow(environment=environment, days_old=730), since_days=400, last_used_days=0,
                   runs_30d=720, failures_30d=0)
    busy_app = known(make_app(environment=environment, days_old=900), since_days=30, last_used_days=1,
                     launches_30d=300, unique_users_30d=40)
    never_read = make_flow(environment=environment, days_old=900)
    short_cover = known(make_app(environment=environment, days_old=900), since_days=7)
    stale_read = known(make_flow(environment=environment, days_old=900), since_days=400, checked_hours=72)
    new_app = known(make_app(environment=environment, days_old=1), since_days=400, created_time=timezone.now())
    config = TriageSettings.load()
    recommendations.recompute()
    for item in (hourly, busy_app):
        assert recommended(item) == ("keep", [])
        assert not item.unused_for(config.inactive_days) and item.used_within(config.inactive_days)
    for item in (never_read, short_cover, stale_read):
        assert recommended(item) == ("keep", ["usage_unknown"])
        assert not item.unused_for(config.inactive_days)
    assert recommended(new_app) == ("keep", [])
    assert not App.objects.unused_for(config.inactive_days).exists()
    assert set(Flow.objects.usage_unknown_for(config.inactive_days)) == {never_read, stale_read}
    assert set(App.objects.usage_unknown_for(config.inactive_days)) == {short_cover}


def test_a_threshold_change_moves_an_item_between_unused_and_used():
    flow = known(make_flow(environment=make_environment(), days_old=900), since_days=400, last_used_days=100)
    recommendations.recompute()
    assert recommended(flow) == ("keep", [])
    assert list(Flow.objects.unused_for(90)) == [flow] and flow.unused_for(90)
    TriageSettings.objects.filter(pk=1).update(inactive_days=90)
    recommendations.recompute()
    assert recommended(flow) == ("quarantine", ["inactive"])


def test_an_admin_changes_a_threshold_and_recommendations_follow(client, coe_admin, celery_worker):
    app = known(make_app(environment=make_environment(), shared_users_count=30), last_used_days=2)
    recommendations.recompute()
    assert recommended(app)[0] == "keep"
    client.force_login(coe_admin)
    data = {"shared_users_threshold": 25, "sharepoint_shared_threshold": 10, "inactive_days": 180,
            "delete_after_days": 365, "grace_days": 30}
    response = client.post(reverse("inventory:triage-settings"), data)
    assert response.status_code == 302
    assert TriageSettings.load().shared_users_threshold == 25
    assert AuditEntry.objects.filter(action="triage.settings").exists()
    deadline = time.monotonic() + 20
    while App.objects.get(pk=app.pk).recommendation != "migrate" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert recommended(app) == ("migrate", ["shared_widely"])


def test_settings_refuse_a_zero_day_threshold(client, coe_admin):
    client.force_login(coe_admin)
    response = client.post(reverse("inventory:triage-settings"), {
        "shared_users_threshold": 25, "sharepoint_shared_threshold": 10, "inactive_days": 0,
        "delete_after_days": 365, "grace_days": 30})
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
