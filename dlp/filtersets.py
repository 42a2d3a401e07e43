import django_filters
from django.db.models import Q

from inventory.models import Connector, ConnectorUsage, Environment

from .choices import Change, Rule, Scope
from .models import ImpactItem, Policy

__all__ = ["ImpactItemFilterSet", "PolicyFilterSet"]


class PolicyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="display_name", lookup_expr="icontains", label="Search")
    is_draft = django_filters.BooleanFilter(label="Draft")
    scope = django_filters.ChoiceFilter(choices=Scope.choices)

    class Meta:
        model = Policy
        fields = ["q", "is_draft", "scope"]


class ImpactItemFilterSet(django_filters.FilterSet):
    """Filters of one run's impacted items; the run's policy list maps policies to the rows' bits."""

    q = django_filters.CharFilter(method="search", label="Search")
    change = django_filters.ChoiceFilter(choices=Change.choices)
    kind = django_filters.ChoiceFilter(choices=(("app", "Apps"), ("flow", "Flows")), method="filter_kind", label="Kind")
    environment = django_filters.ModelChoiceFilter(queryset=Environment.objects.filter(deleted_at__isnull=True))
    department = django_filters.CharFilter(field_name="maker__department", lookup_expr="iexact")
    maker = django_filters.NumberFilter(field_name="maker_id", label="Maker id")
    policy = django_filters.ModelChoiceFilter(queryset=Policy.objects.all(), method="filter_policy",
                                              label="Broken by policy")
    rule = django_filters.ChoiceFilter(choices=Rule.choices, method="filter_rule", label="Rule")
    connector = django_filters.ModelChoiceFilter(queryset=Connector.objects.all(), method="filter_connector",
                                                 label="Uses connector")

    class Meta:
        model = ImpactItem
        fields = ["q", "change", "kind", "environment", "department", "policy", "rule", "connector"]

    def __init__(self, *args, run=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.run = run
        if run is not None:
            self.filters["policy"].queryset = Policy.objects.filter(pk__in=run.policy_ids)

    def search(self, queryset, name, value):
        return queryset.filter(Q(app__display_name__icontains=value) | Q(flow__display_name__icontains=value)
                               | Q(maker__display_name__icontains=value) | Q(maker__email__icontains=value))

    def filter_kind(self, queryset, name, value):
        return queryset.filter(app__isnull=value != "app")

    def filter_policy(self, queryset, name, value):
        if self.run is None or value.pk not in self.run.policy_ids:
            return queryset.none()
        bit = 1 << self.run.policy_ids.index(value.pk)
        return queryset.extra(where=["(blocked_by | mixed_by | rules_by) & %s <> 0"], params=[bit])

    def filter_rule(self, queryset, name, value):
        # Action and endpoint rules share one mask: the item page names which (services/explain.py).
        masks = {Rule.BLOCKED: "blocked_by", Rule.MIXED: "mixed_by"}
        return queryset.exclude(**{masks.get(value, "rules_by"): 0})

    def filter_connector(self, queryset, name, value):
        users = ConnectorUsage.objects.filter(connector=value)
        return queryset.filter(Q(app__in=users.values("app_id")) | Q(flow__in=users.values("flow_id")))
