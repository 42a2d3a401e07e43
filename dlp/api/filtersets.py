"""The impact drill-down's filterset, with states by their API names and the run chosen by id or draft."""

import django_filters

from inventory.models import Connector

from ..choices import CHANGE_KEYS
from ..filtersets import ImpactItemFilterSet
from ..models import Policy
from .serializers import STATUS_KEYS

__all__ = ["ImpactItemApiFilterSet"]


def _choices(keys):
    return [(name, name) for name in keys.values()]


class ImpactItemApiFilterSet(ImpactItemFilterSet):
    """The review page's filters; `run` and `draft` pick the run (read by the view, which scopes the rows)."""

    run = django_filters.NumberFilter(method="chosen_by_view", label="Impact run id (default: the newest)")
    draft = django_filters.NumberFilter(method="chosen_by_view",
                                        label="Draft policy id: its newest run (default: the live policies')")
    change = django_filters.ChoiceFilter(choices=_choices(CHANGE_KEYS), method="filter_keyed", label="Change")
    current = django_filters.ChoiceFilter(choices=_choices(STATUS_KEYS), method="filter_keyed",
                                          label="State under the live policies")
    proposed = django_filters.ChoiceFilter(choices=_choices(STATUS_KEYS), method="filter_keyed",
                                           label="State with the draft")
    # By id: the page's model choices would be documented as strings.
    policy = django_filters.NumberFilter(method="filter_policy_id", label="Broken by policy (id)")
    connector = django_filters.NumberFilter(method="filter_connector_id", label="Uses connector (id)")

    class Meta(ImpactItemFilterSet.Meta):
        fields = [*ImpactItemFilterSet.Meta.fields, "run", "draft", "current", "proposed", "maker"]

    def chosen_by_view(self, queryset, name, value):
        return queryset

    def filter_policy_id(self, queryset, name, value):
        return self.filter_policy(queryset, name, Policy(pk=int(value)))

    def filter_connector_id(self, queryset, name, value):
        return self.filter_connector(queryset, name, Connector(pk=int(value)))

    def filter_keyed(self, queryset, name, value):
        keys = CHANGE_KEYS if name == "change" else STATUS_KEYS
        return queryset.filter(**{name: next(code for code, key in keys.items() if key == value)})
