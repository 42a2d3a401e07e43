"""Bulk actions over "every row the filter matches" refuse an invalid filter instead of widening to every row."""

import pytest
from django.urls import reverse

from coe_portal.core.filtering import InvalidFilter, strict_queryset
from coe_portal.core.models import AuditEntry, JobRun
from inventory.filtersets import AppFilterSet, FlowFilterSet
from inventory.models import App, CleanupCase, Flow, Tag
from tests.inventory.factories import make_app, make_environment, make_flow

pytestmark = pytest.mark.django_db

# (kind, bad query, the field the error must name)
BAD = [
    ("app", "shared_min=abc", "shared_min"),
    ("app", "environment=999999", "environment"),
    ("app", "modified_after=2026-13-45", "modified_after"),
    ("flow", "state=sideways", "state"),
    ("flow", "tag=no-such-tag", "tag"),
    ("flow", "environment=999999&q=x", "environment"),
]


@pytest.fixture
def items():
    environment = make_environment()
    return ([make_app(environment=environment, shared_users_count=n) for n in (1, 60)],
            [make_flow(environment=environment) for _ in range(2)])


@pytest.mark.parametrize("kind, query, field", BAD)
def test_bulk_tag_refuses_a_bad_filter_and_changes_nothing(admin_client, items, kind, query, field):
    for scope in ("all", "selected"):
        response = admin_client.post(reverse("inventory:bulk-tag", args=[kind]), {
            "new_tag": "Wide", "action": "add", "scope": scope, "query": query,
            "pk": [item.pk for item in items[0] + items[1]]}, HTTP_HX_REQUEST="true")
        assert response.status_code == 400
        text = response.content.decode()
        assert "Nothing was changed" in text and f"({field})" in text
    assert not Tag.objects.exists() and not AuditEntry.objects.filter(action__startswith="tag.").exists()
    assert not App.tags.through.objects.exists() and not Flow.tags.through.objects.exists()


def test_bulk_tag_with_a_good_filter_still_tags_the_matches(admin_client, items):
    apps, flows = items
    response = admin_client.post(reverse("inventory:bulk-tag", args=["app"]), {
        "new_tag": "Wide", "action": "add", "scope": "all", "query": "shared_min=50"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Tagged 1 apps with Wide" in response.content.decode()
    assert list(Tag.objects.get().apps.all()) == [apps[1]]
    response = admin_client.post(reverse("inventory:bulk-tag", args=["flow"]), {
        "new_tag": "Wide", "action": "add", "scope": "all", "query": f"environment={flows[0].environment_id}"})
    assert set(Tag.objects.get().flows.all()) == set(flows)


@pytest.mark.parametrize("kind, query, field", BAD)
def test_bulk_clean_up_refuses_a_bad_filter_and_starts_nothing(admin_client, items, kind, query, field):
    response = admin_client.post(reverse("inventory:bulk-cleanup", args=[kind]), {"scope": "all", "query": query})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Nothing was started" in text and f"({field})" in text
    assert reverse(f"inventory:{kind}-list") in text  # a way back to the list
    assert not JobRun.objects.exists() and not CleanupCase.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="cleanup").exists()


def test_bulk_clean_up_with_a_good_filter_starts_one_job(admin_client, items, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = admin_client.post(reverse("inventory:bulk-cleanup", args=["app"]),
                                     {"scope": "all", "query": "shared_min=50"})
    job = JobRun.objects.get(kind="cleanup.bulk")
    assert response["Location"] == reverse("inventory:cleanup-job", args=[job.pk])
    assert AuditEntry.objects.filter(action="cleanup.bulk").count() == 1


def test_strict_queryset_names_every_bad_field_with_its_label(items):
    with pytest.raises(InvalidFilter) as caught:
        strict_queryset(AppFilterSet, "?shared_min=abc&environment=0&q=App", App.objects.all())
    assert set(caught.value.fields) == {"shared_min", "environment"}
    assert "Enter a number." in str(caught.value) and "(environment): Select a valid choice" in str(caught.value)
    assert strict_queryset(FlowFilterSet, "", Flow.objects.all()).count() == 2  # no filter: every live row
    assert strict_queryset(AppFilterSet, "shared_min=50", App.objects.all()).get() == items[0][1]


def test_the_list_says_which_filter_it_left_out(admin_client, items):
    page = admin_client.get(reverse("inventory:app-list") + "?shared_min=abc", HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert "data-filter-errors" in text and "shared_min: Enter a number." in text
    valid = admin_client.get(reverse("inventory:app-list") + "?shared_min=5")
    assert "data-filter-errors" not in valid.content.decode()
