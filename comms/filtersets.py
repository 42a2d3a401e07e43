import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from .choices import Answer
from .models import Campaign, Delivery, EmailTemplate, Recipient, RecipientItem

__all__ = ["AnswerFilterSet", "CampaignFilterSet", "DeliveryFilterSet", "EmailTemplateFilterSet"]


class EmailTemplateFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = EmailTemplate
        fields = ["q", "stage", "audience", "is_default"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(subject__icontains=value))


class CampaignFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")

    class Meta:
        model = Campaign
        fields = ["q", "status", "source_kind"]


class DeliveryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = Delivery
        fields = ["q", "campaign", "status", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(to__icontains=value) | Q(subject__icontains=value))


class AnswerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    answer = django_filters.ChoiceFilter(choices=Answer.choices, method="filter_answer", label="Answer (any item)",
                                         empty_label="Any")
    pending_review = django_filters.BooleanFilter(method="filter_pending_review", label="Not reviewed yet",
                                                  widget=forms.CheckboxInput)

    class Meta:
        model = Recipient
        fields = ["q", "campaign", "answer", "pending_review"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(email__icontains=value) | Q(maker__display_name__icontains=value))

    def filter_pending_review(self, queryset, name, value):
        """Ticked: only answers no admin handled yet. Unticked means every answer, not "handled only" (a bound
        form reads an unticked box as false, e.g. on ?campaign=7 from a campaign's page)."""
        return queryset.filter(reviewed_at__isnull=True) if value else queryset

    def filter_answer(self, queryset, name, value):
        """Makers who gave `value` for at least one item (a Keep stays found after a later Migrate)."""
        return queryset.filter(Exists(RecipientItem.objects.filter(recipient=OuterRef("pk"), answer=value)))
