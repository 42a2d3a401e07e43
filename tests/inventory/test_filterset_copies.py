"""Each filterset has filters of its own (CopiedFiltersMixin copies them one level deep, not deep-copied)."""

import pytest

from inventory.filtersets import AppFilterSet
from inventory.models import App
from tests.inventory.factories import make_app, make_maker

pytestmark = pytest.mark.django_db


def test_two_filtersets_share_no_filter_state():
    first, second = AppFilterSet({"owner": "fay"}, queryset=App.objects.all()), AppFilterSet(None)
    first.filters["dlp"].extra["choices"] = [("broken", "Broken")]
    assert second.filters["dlp"].extra["choices"] == [] and AppFilterSet.base_filters["dlp"].extra["choices"] == []
    assert first.filters["owner"].parent is first and second.filters["owner"].parent is second


def test_a_method_filter_filters_through_its_own_filterset():
    make_app("Budget", owner=make_maker("Fay"))
    make_app("Travel", owner=make_maker("Sam"))
    for owner in ("fay", "sam"):
        AppFilterSet({"owner": "nobody"}, queryset=App.objects.all()).qs.count()  # another instance in between
        found = AppFilterSet({"owner": owner}, queryset=App.objects.all()).qs
        assert [app.display_name for app in found] == (["Budget"] if owner == "fay" else ["Travel"])
