import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q

from .choices import PlanKind, PlanStatus
from .models import Plan

__all__ = ["PlanFilterSet"]


class PlanFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.ChoiceFilter(choices=PlanKind.choices)
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)
    owner_id = django_filters.ModelChoiceFilter(field_name="owner", label="Owner",
                                                queryset=get_user_model().objects.filter(environment_plans__isnull=False)
                                                .distinct())

    class Meta:
        model = Plan
        fields = ["q", "kind", "status", "owner_id"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(owner__username__icontains=value))
