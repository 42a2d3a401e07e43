"""Recommendations from seed 000's criteria, with admin-editable thresholds, computed in SQL."""

import time

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from inventory.models import App, Flow, TriageSettings
from inventory.services import recommendations
from tests.inventory.factories import make_app, make_environment, make_flow, make_maker, use_connector

pytestmark = pytest.mark.django_db


def recommended(item):
    item.refresh_from_db()
    return item.recommendation, item.recommendation_reasons.split(",") if item.recommendation_reasons else []


def test_each_criterion_gives_its_disposition_and_reason(django_assert_num_queries):
    default, other = make_environment(), make_environment(default=False)
    wide = make_app(environment=default, shared_users_count=60)
    excel = make_app(environment=default, uses_excel=True)
    lists = make_app(environment=default, uses_sharepoint_list=True, shared_users_count=12)
    small_list = make_app(environment=default, uses_sharepoint_list=True, shared_users_count=3)
    custom = make_flow(environment=default)
    use_connector(custom, "shared_contoso-erp", is_custom=True)
    stale = make_app(environment=default, days_old=200)
    ancient = make_flow(environment=default, days_old=500)
    orphan = make_app(environment=default, owner=make_maker(is_deleted_in_entra=True))
    ownerless = make_flow(environment=default, creator=None)
    Flow.objects.filter(pk=ownerless.pk).update(creator=None)
    elsewhere = make_app(environment=other, shared_users_count=500)
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
    assert recommended(orphan) == ("quarantine", ["orphaned"])
    assert recommended(ownerless) == ("quarantine", ["orphaned"])
    assert recommended(elsewhere) == ("keep", ["shared_widely"])
    assert recommendations.recompute() == {"apps": 0, "flows": 0}  # unchanged rows are not rewritten


def test_an_admin_changes_a_threshold_and_recommendations_follow(client, coe_admin, celery_worker):
    app = make_app(environment=make_environment(), shared_users_count=30)
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
