"""Finding 1 of issue 21: a typo'd filter or a junk yes/no widened bulk actions to every row.

`enviroment=7`, `bogus_field=1` and `default_environment=ture` were dropped (or read as "any"), so a
bulk tag reached every app, a campaign draft every maker and a bulk quarantine every item; the API
ignored them too although docs/api.md promises a 400.
"""

import pytest
from django.urls import reverse

from coe_portal.core.filtering import InvalidFilter, strict_queryset
from coe_portal.core.models import AuditEntry, JobRun
from comms.choices import SourceKind
from comms.models import Campaign
from inventory.filtersets import AppFilterSet
from inventory.models import App, CleanupCase, Environment, Tag
from tests.inventory.factories import make_app, make_environment

pytestmark = pytest.mark.django_db

WIDENING = [("enviroment=7", "enviroment"), ("bogus_field=1", "bogus_field"),
            ("default_environment=ture", "default_environment"), ("include_deleted=yes", "include_deleted"),
            ("per_page=-1", "per_page")]


@pytest.fixture
def apps():
    return [make_app(environment=make_environment(default=default)) for default in (True, False)]


@pytest.mark.parametrize("query, field", WIDENING)
def test_finding1_bulk_tag_refuses_unknown_or_junk_filters(admin_client, apps, query, field):
    response = admin_client.post(reverse("inventory:bulk-tag", args=["app"]), {
        "new_tag": "Wide", "action": "add", "scope": "all", "query": query}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode() and f"({field})" in response.content.decode()
    assert not Tag.objects.exists() and not App.tags.through.objects.exists()


@pytest.mark.parametrize("query, field", WIDENING)
def test_finding1_bulk_quarantine_refuses_unknown_or_junk_filters(admin_client, apps, query, field):
    response = admin_client.post(reverse("inventory:bulk-cleanup", args=["app"]), {"scope": "all", "query": query})
    assert response.status_code == 400 and f"({field})" in response.content.decode()
    assert not JobRun.objects.exists() and not CleanupCase.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="cleanup").exists()


@pytest.mark.parametrize("query, field", WIDENING[:3])
def test_finding1_campaign_draft_refuses_unknown_or_junk_filters(admin_client, apps, query, field):
    from comms.models import EmailTemplate
    from comms.services.defaults import load_defaults

    load_defaults(EmailTemplate)
    response = admin_client.post(reverse("comms:campaign-new"), {
        "name": "Typo", "template": EmailTemplate.objects.first().pk, "source_kind": SourceKind.APP_FILTER,
        "filter_query": query, "max_reminders": 0})
    assert response.status_code == 400 and f"({field})" in response.content.decode()
    assert not Campaign.objects.exists()


def test_finding1_list_controls_ride_along_with_a_bulk_query(apps):
    # The bulk form posts the list's own query string: its page, size and sort are not filters.
    query = f"environment={apps[0].environment_id}&per_page=100&page=1&sort=-display_name"
    assert list(strict_queryset(AppFilterSet, query, App.objects.all())) == [apps[0]]
    assert list(strict_queryset(AppFilterSet, "default_environment=false", App.objects.all())) == [apps[1]]
    with pytest.raises(InvalidFilter):
        strict_queryset(AppFilterSet, "default_environment=1", App.objects.all())  # read as "any" by the widget


@pytest.mark.parametrize("query, field", [("enviroment=7", "enviroment"), ("default_environment=ture",
                                                                          "default_environment")])
def test_finding1_list_page_answers_400_naming_the_filter(admin_client, apps, query, field):
    response = admin_client.get(reverse("inventory:app-list") + "?" + query, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    text = response.content.decode()
    assert "data-filter-errors" in text and f"{field}:" in text and apps[0].display_name not in text
    export = admin_client.get(reverse("inventory:app-list") + f"?{query}&export=csv")
    assert export.status_code == 400 and not isinstance(export.get("Content-Disposition"), str)


@pytest.mark.parametrize("query, field", [("enviroment=7", "enviroment"), ("bogus_field=1", "bogus_field"),
                                          ("default_environment=ture", "default_environment")])
def test_finding1_api_answers_400_naming_the_parameter(admin_client, apps, query, field):
    response = admin_client.get(reverse("inventory-api:app-list") + "?" + query)
    assert response.status_code == 400 and field in response.json()
    assert admin_client.get(reverse("inventory-api:app-list") + "?default_environment=true").json()["results"][0][
        "id"] == apps[0].pk
    assert Environment.objects.count() == 2
