import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q

from inventory.models import Environment

from .choices import PlanKind, PlanStatus, RequestState
from .models import MigrationRequest, Plan, Wave

__all__ = ["MigrationRequestFilterSet", "PlanFilterSet"]


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


class MigrationRequestFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    # The admin queue never lists drafts (they are their makers' until sent), so it offers no "Draft".
    state = django_filters.ChoiceFilter(choices=[(value, label) for value, label in RequestState.choices
                                                 if value != RequestState.DRAFT])
    target_id = django_filters.ModelChoiceFilter(field_name="target", label="Target",
                                                 queryset=Environment.objects.filter(is_default=False))
    wave_id = django_filters.ModelChoiceFilter(field_name="wave", label="Wave", queryset=Wave.objects.all())

    class Meta:
        model = MigrationRequest
        fields = ["q", "state", "target_id", "wave_id"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(requested_by__username__icontains=value) | Q(reason__icontains=value)
                               | Q(items__app__display_name__icontains=value)
                               | Q(items__flow__display_name__icontains=value)).distinct()
