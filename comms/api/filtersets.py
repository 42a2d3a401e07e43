import datetime

import django_filters
from django import forms
from django.db.models import Q

from ..choices import Answer
from ..models import RecipientItem

__all__ = ["AnswerApiFilterSet"]


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO date-time in UTC: Python takes offsets up to ±23:59, PostgreSQL only ±15:59 (a 500)."""

    def filter(self, qs, value):
        if value and value.tzinfo:
            try:
                value = value.astimezone(datetime.UTC)
            except OverflowError:  # past year 1 or 9999 once in UTC: the edge of the range
                edge = datetime.datetime.min if value.year == 1 else datetime.datetime.max
                value = edge.replace(tzinfo=datetime.UTC)
        return super().filter(qs, value)


class AnswerApiFilterSet(django_filters.FilterSet):
    """Answers per item: by campaign, answer, kind, the maker and their department, review state."""

    q = django_filters.CharFilter(method="search", label="Search")
    campaign = django_filters.NumberFilter(field_name="recipient__campaign_id", label="Campaign id")
    answer = django_filters.ChoiceFilter(choices=Answer.choices)
    kind = django_filters.ChoiceFilter(choices=(("app", "Apps"), ("flow", "Flows")), method="filter_kind")
    maker = django_filters.NumberFilter(field_name="recipient__maker_id", label="Maker id")
    department = django_filters.CharFilter(field_name="recipient__maker__department", lookup_expr="iexact")
    pending_review = django_filters.BooleanFilter(field_name="recipient__reviewed_at", lookup_expr="isnull",
                                                  label="Not reviewed yet", widget=forms.NullBooleanSelect)
    answered_after = UtcDateTimeFilter(field_name="answered_at", lookup_expr="gte")

    class Meta:
        model = RecipientItem
        fields = ["q", "campaign", "answer", "kind", "maker", "department", "pending_review", "answered_after"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(app__display_name__icontains=value) | Q(flow__display_name__icontains=value)
                               | Q(recipient__email__icontains=value)
                               | Q(recipient__maker__display_name__icontains=value))

    def filter_kind(self, queryset, name, value):
        return queryset.filter(app__isnull=value != "app")
