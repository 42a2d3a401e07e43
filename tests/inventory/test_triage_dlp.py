"""The "DLP impact" filter and column of the app, flow and maker lists, read from the newest impact runs."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dlp.models import ImpactItem, ImpactRun, Policy
from tests.inventory.factories import make_app, make_flow, make_maker

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(row.record.display_name for row in response.context["table"].page.object_list)


def impact(run, item, current, proposed, change):
    kind = "app" if item._meta.model_name == "app" else "flow"
    owner = item.owner if kind == "app" else item.creator
    return ImpactItem.objects.create(run=run, environment=item.environment, maker=owner, current=current,
                                     proposed=proposed, change=change, **{kind: item})


@pytest.fixture
def world():
    """Live run: Broken app, Exempt app; draft run (newer): the same, and a newly broken flow.

    A flow shares the broken app's primary key: results key flows by minus their id, so it must not match.
    """
    broken, exempt, fine = make_app("Broken app", pk=900_001), make_app("Exempt app"), make_app("Fine app")
    make_flow("Twin flow", pk=900_001)
    flow = make_flow("Newly broken flow")
    old = ImpactRun.objects.create(status="done", finished=timezone.now() - timezone.timedelta(days=2))
    impact(old, fine, 2, 2, 3)  # an older run is not read
    live = ImpactRun.objects.create(status="done", finished=timezone.now() - timezone.timedelta(hours=1))
    impact(live, broken, 2, 2, 3)
    impact(live, exempt, 1, 1, 4)
    draft = Policy.objects.create(display_name="Block HTTP", is_draft=True)
    proposed = ImpactRun.objects.create(status="done", draft=draft, finished=timezone.now())
    impact(proposed, broken, 2, 2, 3)
    impact(proposed, exempt, 1, 1, 4)
    impact(proposed, flow, 0, 2, 1)
    return {"draft": draft, "flow": flow}


def test_app_list_filters_by_live_and_draft_impact(admin_client, world):
    url = reverse("inventory:app-list")
    draft = world["draft"].pk
    assert names(admin_client.get(url, {"dlp": "broken"})) == ["Broken app"]
    assert names(admin_client.get(url, {"dlp": "exempt"})) == ["Exempt app"]
    assert names(admin_client.get(url, {"dlp": f"draft-{draft}"})) == ["Broken app"]
    assert names(admin_client.get(url, {"dlp": f"new-{draft}"})) == []
    page = admin_client.get(url).content.decode()
    assert "Broken under Block HTTP" in page and "Newly broken by Block HTTP" in page
    rows = {row.record.display_name: row.record.dlp_status for row in admin_client.get(url).context["table"].rows}
    assert rows == {"Broken app": 2, "Exempt app": 1, "Fine app": None}


def test_flow_list_filters_by_draft_impact_and_shows_the_column(admin_client, world):
    url = reverse("inventory:flow-list")
    draft = world["draft"].pk
    assert names(admin_client.get(url, {"dlp": f"new-{draft}"})) == ["Newly broken flow"]
    assert names(admin_client.get(url, {"dlp": "broken"})) == []
    page = admin_client.get(url, {"dlp": f"draft-{draft}"}).content.decode()
    assert "Newly broken flow" in page and "Twin flow" not in page
    assert "<th" in page and ">DLP<" in page


def test_maker_list_filters_makers_with_broken_items(admin_client, world):
    make_maker("Nobody")
    url = reverse("inventory:maker-list")
    broken_owner = world["flow"].creator
    shown = [row.record.pk for row in admin_client.get(url, {"dlp": f"new-{world['draft'].pk}"})
             .context["table"].page.object_list]
    assert shown == [broken_owner.pk]


def test_without_a_computed_run_the_filter_offers_nothing_and_the_column_is_blank(admin_client):
    make_app("Lonely")
    response = admin_client.get(reverse("inventory:app-list"))
    assert [row.record.dlp_status for row in response.context["table"].rows] == [None]
    assert "Broken by the live policies" not in response.content.decode()


def test_csv_export_has_the_dlp_status(admin_client, world):
    response = admin_client.get(reverse("inventory:app-list"), {"export": "csv", "dlp": "broken"})
    text = b"".join(response.streaming_content).decode()
    assert "DLP" in text.splitlines()[0] and "Broken" in text.splitlines()[1]


@pytest.mark.parametrize("model", ["app", "flow"])
def test_query_count_with_the_dlp_filter_does_not_grow_with_page_size(admin_client, django_assert_max_num_queries,
                                                                      model):
    run = ImpactRun.objects.create(status="done", finished=timezone.now())
    for _ in range(120):
        impact(run, make_app() if model == "app" else make_flow(), 2, 2, 3)
    url = reverse(f"inventory:{model}-list")
    for per_page in (25, 200):
        with django_assert_max_num_queries(12):
            response = admin_client.get(url, {"per_page": per_page, "dlp": "broken", "sort": "-modified_time"})
        assert len(response.context["table"].page.object_list) == min(per_page, 120)
        assert {row.record.dlp_status for row in response.context["table"].page.object_list} == {2}


def test_choices_hold_when_the_class_filter_built_its_form_field_first(admin_client, world):
    # The API schema builds the class-level fields once; each list's copy must still offer today's runs.
    from inventory.filtersets import AppFilterSet

    assert [value for value, _ in AppFilterSet.base_filters["dlp"].field.choices if value] == []
    assert names(admin_client.get(reverse("inventory:app-list"), {"dlp": "broken"})) == ["Broken app"]
