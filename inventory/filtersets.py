from datetime import datetime, time

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from coe_portal.core.filtersets import CopiedFiltersMixin

from .choices import (
    MIGRATION_FILTER_CHOICES,
    MIGRATION_GROUPS,
    AppKind,
    ConnectorTier,
    Disposition,
    EnvironmentType,
    FlowState,
    QuarantineStatus,
)
from .filter_choices import KeptChoicesMixin, KeptModelChoiceFilter
from .models import (
    App,
    Bot,
    Connector,
    ConnectorUsage,
    Environment,
    Flow,
    Maker,
    PagesSite,
    SyncRun,
    Tag,
    TriageSettings,
    normalise_connector_id,
)

__all__ = ["AppFilterSet", "BotFilterSet", "ConnectorFilterSet", "EnvironmentFilterSet", "FlowFilterSet",
           "MakerFilterSet", "PagesSiteFilterSet", "SyncRunFilterSet", "TagFilterSet"]

DATE = forms.DateInput(attrs={"type": "date"})


class ConnectorSuggestInput(forms.TextInput):
    """A connector id box that lists connectors by display name as one types (HTMX, inventory:connector-suggest);
    picking one fills in its id."""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "hx-get": reverse_lazy("inventory:connector-suggest"),
                          "hx-trigger": "input changed delay:250ms", "hx-swap": "innerHTML",
                          "hx-push-url": "false", "placeholder": "Type part of its name", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        box_id = f"{(attrs or {}).get('id') or name}-suggestions"
        attrs = {**(attrs or {}), "hx-target": f"#{box_id}", "aria-controls": box_id}
        return super().render(name, value, attrs, renderer) + format_html(
            '<div id="{}" class="suggestions" data-suggestions-for="{}"></div>', box_id, attrs.get("id", ""))


class ConnectorField(forms.CharField):
    """A connector the inventory knows, given by its id; anything else is an error that names it (never "any")."""

    widget = ConnectorSuggestInput

    def widget_attrs(self, widget):
        # Its suggestions render inside the field's <label>: without this they would become part of its name.
        return {**super().widget_attrs(widget), "aria-label": self.label}

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        connector = Connector.objects.filter(connector_id=normalise_connector_id(value)).first()
        if connector is None:
            raise forms.ValidationError("Unknown connector “%(value)s”: type part of its name and pick it from the "
                                        "suggestions.", code="unknown", params={"value": value[:100]})
        return connector


@extend_schema_field(OpenApiTypes.STR)  # the API takes the connector's id
class ConnectorFilter(django_filters.Filter):
    """Items that use the connector (chosen by display name on the page, sent as its id)."""

    field_class = ConnectorField

    def filter(self, queryset, value):
        if value is None:
            return queryset
        usages = ConnectorUsage.objects.filter(**{queryset.model._meta.model_name: OuterRef("pk")}, connector=value)
        return queryset.filter(Exists(usages))


@extend_schema_field(OpenApiTypes.STR)  # the API takes the tag's slug
class TagSlugFilter(KeptModelChoiceFilter):
    """A tag chosen by its slug, so filtered URLs read `?tag=migrate`."""


@extend_schema_field(OpenApiTypes.STR)  # choices come from the newest DLP impact runs
class DlpImpactFilter(django_filters.ChoiceFilter):
    """broken / exempt under the live policies; draft-<id> / new-<id> (newly broken) under a draft."""


class DlpImpactMixin(django_filters.FilterSet):
    """The "DLP impact" filter: items (or makers with items) the newest computed impact runs find broken."""

    dlp = DlpImpactFilter(choices=[], method="filter_dlp", label="DLP impact", empty_label="Any")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dlp = self.filters["dlp"]
        # The copy may carry a form field built before (the API schema builds the class's fields): rebuild it.
        dlp.__dict__.pop("_field", None)
        dlp.extra["choices"] = self.dlp_runs().choices()

    def dlp_runs(self):
        from dlp.services.lookup import impact_runs

        return impact_runs(self.request)

    def filter_dlp(self, queryset, name, value):
        from dlp.services import lookup

        matching = lookup.makers_matching if queryset.model is Maker else lookup.items_matching
        return matching(queryset, self.dlp_runs(), value)


class DayFilter(django_filters.DateFilter):
    """A date compared with a datetime column at local midnight, so the column's index still serves."""

    def filter(self, qs, value):
        if value:
            value = timezone.make_aware(datetime.combine(value, time.min))
        return super().filter(qs, value)


class DaysFilter(django_filters.NumberFilter):
    """A whole number of days (1 to 3650): "90.5" or "0" is an error, not a rounded guess."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=3650, **kwargs)


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


class ItemFilterSet(SearchMixin, DeletedMixin, DlpImpactMixin, KeptChoicesMixin, CopiedFiltersMixin):
    """Filters apps and flows share; `owner_field` names the maker (owner or creator)."""

    owner_field = "owner"
    environment = KeptModelChoiceFilter(queryset=Environment.objects.filter(deleted_at__isnull=True))
    default_environment = django_filters.BooleanFilter(field_name="environment__is_default",
                                                       label="In default environment")
    owner = django_filters.CharFilter(method="filter_owner", label="Owner (name or e-mail)")
    department = django_filters.CharFilter(method="filter_department", label="Owner department")
    connector = ConnectorFilter(label="Connector")
    custom_connector = django_filters.BooleanFilter(method="filter_custom_connector",
                                                    label="Uses a custom connector")
    tag = TagSlugFilter(queryset=Tag.objects.all(), to_field_name="slug", method="filter_tag", label="Tag")
    modified_after = DayFilter(field_name="modified_time", lookup_expr="gte", label="Modified from",
                                               widget=DATE)
    modified_before = DayFilter(field_name="modified_time", lookup_expr="lt", label="Modified before",
                                                widget=DATE)
    recommendation = django_filters.ChoiceFilter(choices=Disposition.choices)
    migration = django_filters.ChoiceFilter(choices=MIGRATION_FILTER_CHOICES, method="filter_migration",
                                            label="Migration", empty_label="Any")
    unused_for = DaysFilter(method="filter_unused_for", label="Unused for N days")
    used_within = DaysFilter(method="filter_used_within", label="Used within N days")
    usage_unknown = django_filters.BooleanFilter(method="filter_usage_unknown", label="Usage unknown")

    def filter_unused_for(self, queryset, name, value):
        """Usage data shows no use for `value` days (Used.unused_for): never a guess from modification dates."""
        return queryset.unused_for(value)

    def filter_used_within(self, queryset, name, value):
        return queryset.used_within(value)

    def filter_usage_unknown(self, queryset, name, value):
        """Items whose use over the triage's inactive period no source can vouch for (or, false, the others)."""
        unknown = queryset.usage_unknown_for(TriageSettings.load().inactive_days)
        return unknown if value else queryset.exclude(pk__in=unknown.values("pk"))

    def filter_migration(self, queryset, name, value):
        """requested / migrating / migrated / none, read from the denormalised migration_status."""
        if value == "none":
            return queryset.filter(migration_status="")
        return queryset.filter(migration_status__in=MIGRATION_GROUPS[value])

    def filter_owner(self, queryset, name, value):
        field = self.owner_field
        return queryset.filter(Q(**{f"{field}__display_name__icontains": value})
                               | Q(**{f"{field}__email__iexact": value}))

    def filter_department(self, queryset, name, value):
        return queryset.filter(**{f"{self.owner_field}__department__iexact": value})

    def filter_custom_connector(self, queryset, name, value):
        """Items using any custom connector (or, false, none)."""
        usages = ConnectorUsage.objects.filter(**{queryset.model._meta.model_name: OuterRef("pk")},
                                               connector__is_custom=True)
        return queryset.filter(Exists(usages) if value else ~Exists(usages))

    def filter_tag(self, queryset, name, value):
        through = queryset.model.tags.through
        column = queryset.model._meta.model_name
        return queryset.filter(Exists(through.objects.filter(**{column: OuterRef("pk"), "tag": value})))


class AppFilterSet(ItemFilterSet):
    search_fields = ("display_name__icontains", "owner__display_name__icontains", "app_id")
    kind = django_filters.ChoiceFilter(choices=AppKind.choices)
    quarantine_status = django_filters.ChoiceFilter(choices=QuarantineStatus.choices[1:], label="Quarantine",
                                                    empty_label="Any")
    used_after = DayFilter(field_name="last_launched_time", lookup_expr="gte", label="Used from",
                                           widget=DATE)
    used_before = DayFilter(field_name="last_launched_time", lookup_expr="lt", label="Used before",
                                            widget=DATE)
    shared_min = django_filters.NumberFilter(field_name="shared_users_count", lookup_expr="gte",
                                             label="Shared with at least")
    shared_max = django_filters.NumberFilter(field_name="shared_users_count", lookup_expr="lte",
                                             label="Shared with at most")

    class Meta:
        model = App
        fields = ["q", "environment", "default_environment", "kind", "owner", "department", "connector",
                  "custom_connector", "tag", "modified_after", "modified_before", "used_after", "used_before",
                  "quarantine_status", "is_solution_aware", "shared_min", "shared_max", "recommendation", "dlp",
                  "migration", "unused_for", "used_within", "usage_unknown", "include_deleted"]


class FlowFilterSet(ItemFilterSet):
    owner_field = "creator"
    search_fields = ("display_name__icontains", "creator__display_name__icontains", "flow_id")
    state = django_filters.ChoiceFilter(choices=FlowState.choices)
    failure_rate_min = django_filters.NumberFilter(method="filter_failure_rate_min", label="Failure rate at least %",
                                                   min_value=0, max_value=100)

    class Meta:
        model = Flow
        fields = ["q", "environment", "default_environment", "state", "owner", "department", "connector",
                  "custom_connector", "tag", "modified_after", "modified_before", "has_http_trigger",
                  "is_solution_aware", "recommendation", "dlp", "migration", "unused_for", "used_within",
                  "usage_unknown", "failure_rate_min", "include_deleted"]

    def filter_failure_rate_min(self, queryset, name, value):
        """Flows whose failed share of the last 30 days' runs is at least `value` percent (flows with runs only)."""
        return queryset.filter(runs_30d__gt=0).alias(failed_pct=F("failures_30d") * 100).filter(
            failed_pct__gte=F("runs_30d") * value)


class BotFilterSet(SearchMixin, DeletedMixin):
    environment = django_filters.ModelChoiceFilter(queryset=Environment.objects.filter(deleted_at__isnull=True))

    class Meta:
        model = Bot
        fields = ["q", "environment", "is_published", "include_deleted"]


class PagesSiteFilterSet(SearchMixin, DeletedMixin):
    search_fields = ("display_name__icontains", "website_url__icontains")
    environment = django_filters.ModelChoiceFilter(queryset=Environment.objects.filter(deleted_at__isnull=True))

    class Meta:
        model = PagesSite
        fields = ["q", "environment", "include_deleted"]


class TagFilterSet(SearchMixin):
    search_fields = ("name__icontains", "description__icontains")

    class Meta:
        model = Tag
        fields = ["q"]


class MakerFilterSet(SearchMixin, DlpImpactMixin):
    search_fields = ("display_name__icontains", "email__icontains", "department__icontains")

    class Meta:
        model = Maker
        fields = ["q", "department", "is_disabled", "is_deleted_in_entra", "dlp"]


class ConnectorFilterSet(SearchMixin):
    search_fields = ("display_name__icontains", "connector_id__icontains")
    # The model's "Unknown" tier is the empty value, which a plain choice filter reads as "any tier".
    tier = django_filters.ChoiceFilter(choices=[(value or "unknown", label) for value, label in ConnectorTier.choices],
                                       method="filter_tier", empty_label="Any")

    def filter_tier(self, queryset, name, value):
        return queryset.filter(tier="" if value == "unknown" else value)

    class Meta:
        model = Connector
        fields = ["q", "tier", "is_custom"]


class SyncRunFilterSet(django_filters.FilterSet):
    class Meta:
        model = SyncRun
        fields = ["kind", "status"]
