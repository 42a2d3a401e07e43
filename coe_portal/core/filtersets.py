import copy

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import QueryDict

from .choices import Role
from .models import AuditEntry

__all__ = ["AuditEntryFilterSet", "CopiedFiltersMixin", "UserFilterSet"]


class CopiedFiltersMixin(django_filters.FilterSet):
    """A filterset whose filters are copied one level deep for each instance, not deep-copied.

    django-filter deep-copies every declared filter for each filterset it makes, and with them their
    querysets, choices and widgets: a millisecond of a list page with twenty filters. An instance
    changes only its filters' own attributes (model, parent, the form field it builds and the `extra`
    it builds it from), so a copy of each filter with its own `extra` keeps instances apart; the
    form deep-copies the fields it is given. This is django_filters.BaseFilterSet.__init__ otherwise,
    so it comes last among a filterset's bases: the mixins before it still run their __init__.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _copied(declared) for name, declared in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self


def _copied(declared):
    filter_ = copy.copy(declared)
    filter_.extra = dict(declared.extra)
    filter_.method = declared.method  # binds the filter method to the copy (FilterMethod holds its filter)
    return filter_


class AuditEntryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    action = django_filters.CharFilter(lookup_expr="startswith")
    actor_name = django_filters.CharFilter(lookup_expr="iexact", label="Who")
    created_after = django_filters.DateFilter(field_name="created", lookup_expr="date__gte", label="From")
    created_before = django_filters.DateFilter(field_name="created", lookup_expr="date__lte", label="To")

    class Meta:
        model = AuditEntry
        fields = ["q", "action", "actor_name", "created_after", "created_before"]

    def search(self, queryset, name, value):
        match = Q(object_repr__icontains=value) | Q(action__icontains=value) | Q(actor_name__icontains=value)
        return queryset.filter(match)


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    role = django_filters.ChoiceFilter(choices=Role.choices, method="filter_role")

    class Meta:
        model = get_user_model()
        fields = ["q", "role"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(email__icontains=value) | Q(last_name__icontains=value))

    def filter_role(self, queryset, name, value):
        return queryset.filter(groups__name=Role(value).label)
