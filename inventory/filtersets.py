import django_filters
from django import forms
from django.db.models import Q

from .choices import AppKind, EnvironmentType, FlowState
from .models import App, Connector, Environment, Flow, Maker, SyncRun

__all__ = ["AppFilterSet", "ConnectorFilterSet", "EnvironmentFilterSet", "FlowFilterSet", "MakerFilterSet",
           "SyncRunFilterSet"]


class SearchMixin(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    search_fields = ("display_name__icontains",)

    def search(self, queryset, name, value):
        match = Q()
        for lookup in self.search_fields:
            match |= Q(**{lookup: value})
        return queryset.filter(match)


class DeletedMixin(django_filters.FilterSet):
    include_deleted = django_filters.BooleanFilter(method="filter_deleted", label="Include deleted",
                                                   widget=forms.CheckboxInput)

    def filter_deleted(self, queryset, name, value):
        return queryset  # applied in qs, so that leaving it unset hides deleted items too

    @property
    def qs(self):
        queryset = super().qs
        include = self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("include_deleted")
        return queryset if include else queryset.filter(deleted_at__isnull=True)


class EnvironmentFilterSet(SearchMixin, DeletedMixin):
    environment_type = django_filters.ChoiceFilter(choices=EnvironmentType.choices)

    class Meta:
        model = Environment
        fields = ["q", "environment_type", "is_default", "include_deleted"]


class AppFilterSet(SearchMixin, DeletedMixin):
    search_fields = ("display_name__icontains", "owner__display_name__icontains", "app_id")
    kind = django_filters.ChoiceFilter(choices=AppKind.choices)
    environment = django_filters.ModelChoiceFilter(queryset=Environment.objects.filter(deleted_at__isnull=True))

    class Meta:
        model = App
        fields = ["q", "environment", "kind", "quarantine_status", "include_deleted"]


class FlowFilterSet(SearchMixin, DeletedMixin):
    search_fields = ("display_name__icontains", "creator__display_name__icontains", "flow_id")
    state = django_filters.ChoiceFilter(choices=FlowState.choices)
    environment = django_filters.ModelChoiceFilter(queryset=Environment.objects.filter(deleted_at__isnull=True))

    class Meta:
        model = Flow
        fields = ["q", "environment", "state", "has_http_trigger", "include_deleted"]


class MakerFilterSet(SearchMixin):
    search_fields = ("display_name__icontains", "email__icontains", "department__icontains")

    class Meta:
        model = Maker
        fields = ["q", "department", "is_disabled", "is_deleted_in_entra"]


class ConnectorFilterSet(SearchMixin):
    search_fields = ("display_name__icontains", "connector_id__icontains")

    class Meta:
        model = Connector
        fields = ["q", "tier", "is_custom"]


class SyncRunFilterSet(django_filters.FilterSet):
    class Meta:
        model = SyncRun
        fields = ["kind", "status"]
