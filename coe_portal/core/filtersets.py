import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q

from .choices import Role
from .models import AuditEntry

__all__ = ["AuditEntryFilterSet", "UserFilterSet"]


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
