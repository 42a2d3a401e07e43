"""The list filters' environment and tag choices are kept between requests, and any change shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.filtersets import AppFilterSet
from inventory.models import App, Environment, Tag
from tests.inventory.factories import make_app, make_environment, make_tag
from tests.support.tenant import sync_now


def options(client, name, url_name="inventory:app-list"):
    response = client.get(reverse(url_name))
    return [label for value, label in response.context["filterset"].form.fields[name].choices if value != ""]


@pytest.mark.django_db
def test_tags_created_renamed_merged_and_deleted_show_at_once(admin_client):
    make_tag("review")
    assert options(admin_client, "tag") == ["review"]
    admin_client.post(reverse("inventory:tag-create"), {"name": "Keep", "colour": "#00aa00", "description": "x"})
    assert Tag.objects.filter(name="Keep").exists()
    assert options(admin_client, "tag") == ["Keep", "review"]
    Tag.objects.filter(name="review").update(name="Retire")  # a write without signals
    assert options(admin_client, "tag") == ["Keep", "Retire"]
    Tag.objects.filter(name="Keep").delete()
    assert options(admin_client, "tag") == ["Retire"]


@pytest.mark.django_db
def test_environments_written_without_signals_show_at_once(admin_client):
    make_environment()
    other = make_environment(default=False)
    assert options(admin_client, "environment", "inventory:flow-list") == ["Personal Productivity", "Finance"]
    Environment.objects.filter(pk=other.pk).update(display_name="Finance EU")  # as a sync writes them
    assert options(admin_client, "environment", "inventory:flow-list") == ["Personal Productivity", "Finance EU"]
    Environment.objects.filter(pk=other.pk).update(deleted_at=timezone.now())
    assert options(admin_client, "environment", "inventory:flow-list") == ["Personal Productivity"]


@pytest.mark.django_db
def test_a_kept_choice_filters_and_an_unknown_one_is_refused():
    environment, other = make_environment(), make_environment(default=False)
    tag = make_tag("migrate")
    tagged = make_app("Budget", environment=other)
    tagged.tags.add(tag)
    make_app("Travel", environment=environment)
    for data, names in (({"tag": "migrate"}, ["Budget"]), ({"environment": str(environment.pk)}, ["Travel"]),
                        ({"environment": f"0{other.pk}"}, ["Budget"])):
        filterset = AppFilterSet(data, queryset=App.objects.all())
        assert [app.display_name for app in filterset.qs] == names
        assert filterset.form.cleaned_data[next(iter(data))] in (tag, environment, other)
    for data in ({"tag": "nope"}, {"environment": "999999"}, {"environment": "x"}):
        filterset = AppFilterSet(data, queryset=App.objects.all())
        assert not filterset.is_valid()
        assert "not one of the available choices" in str(filterset.errors)


@pytest.mark.django_db
def test_a_second_request_reads_no_environment_or_tag_rows(admin_client):
    make_environment(), make_tag("review")
    options(admin_client, "tag")
    with CaptureQueriesContext(connection) as queries:
        assert options(admin_client, "tag") == ["review"]
    tables = (Environment._meta.db_table, Tag._meta.db_table)
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and any(
        f'FROM "{table}"' in q["sql"].split(" WHERE ")[0] for table in tables)]
    assert reads == []


@pytest.mark.django_db(transaction=True)
def test_a_sync_shows_its_environments_at_once(make_tenant, admin_client):
    assert options(admin_client, "environment") == []
    tenant, servers = make_tenant()
    sync_now()
    assert sorted(options(admin_client, "environment")) == sorted(e.display_name for e in tenant.environments)
