from html import escape  # the text Django's escape gives a str, without its lazy-string wrapper (per cell)

import django_tables2 as tables
from django.db.models import F, FloatField
from django.db.models.functions import Cast, NullIf
from django.utils import timezone
from django.utils.safestring import mark_safe

from coe_portal.core.table_fetch import FetchShownMixin
from coe_portal.core.table_rows import FastRowsMixin
from coe_portal.core.tables import SelectColumn

from .choices import MIGRATION_STATUS
from .models import App, Bot, Connector, Environment, Flow, Maker, PagesSite, SyncRun, Tag

__all__ = ["AppTable", "BotTable", "ConnectorTable", "EnvironmentTable", "FlowTable", "MakerTable", "PagesSiteTable",
           "SyncRunTable", "TagTable"]


DLP_LABELS = {2: "Broken", 1: "Exempt"}  # dlp.choices.ItemStatus
DLP_BADGES = {2: mark_safe('<span class="badge red">Broken</span>'),
              1: mark_safe('<span class="badge grey">Exempt</span>')}


def tag_badges(labels):
    """Badges for tags given as {"name": .., "colour": ..} (ItemQuerySet.with_tag_labels)."""
    # Joined by hand rather than format_html_join: it runs for every row of a list page.
    return mark_safe(" ".join(f'<span class="tag" data-colour="{escape(label["colour"])}">{escape(label["name"])}'
                              "</span>" for label in labels))


class WhenColumn(tables.Column):
    """A datetime in local time, formatted in Python: DateTimeColumn compiles a template per cell."""

    def render(self, value):
        # strftime gives what date_format(..., "Y-m-d H:i") gives, at a tenth of the cost.
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")

    def fast_cell(self, bound_column):
        """(value, record) -> render(value), the time zone looked up once per page (table_rows.FastRowsMixin)."""
        zone = timezone.get_current_timezone()
        return lambda value, record: value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    def value(self, value):
        return value.isoformat() if value else ""


def nulls_last(expression):
    """A table's `order_<column>` method: sort by `expression`, unknown values last either way."""
    expression = F(expression) if isinstance(expression, str) else expression

    def order(table, queryset, is_descending):
        key = expression.desc(nulls_last=True) if is_descending else expression.asc(nulls_last=True)
        return queryset.order_by(key, "pk"), True

    return order


FAILURE_RATE = Cast("failures_30d", FloatField()) / NullIf("runs_30d", 0)


class EnvironmentTable(tables.Table):
    class Meta:
        model = Environment
        fields = ("display_name", "environment_type", "region", "is_default", "is_managed", "dataverse_url",
                  "created_time", "deleted_at")


class ItemTable(FetchShownMixin, FastRowsMixin, tables.Table):
    """Apps and flows: a selection box, a link to the item, its tags and its recommendation.

    The rows read only what the shown columns need (FetchShownMixin), so list views hand it a
    queryset without select_related or prefetch_related.
    """

    select = SelectColumn(accessor="pk", attrs={"input": {"form": "bulk-tag", "name": "pk"},
                                                "th__input": {"form": "bulk-tag", "data-select-all": ""}},
                          exclude_from_export=True, label=lambda record: record.display_name)
    display_name = tables.LinkColumn(verbose_name="Name")
    environment = tables.Column(accessor="environment__display_name", verbose_name="Environment")
    tags = tables.Column(accessor="tag_labels", empty_values=(), orderable=False)
    recommendation = tables.Column()
    dlp = tables.Column(accessor="dlp_status", verbose_name="DLP", empty_values=())
    migration = tables.Column(accessor="migration_status", verbose_name="Migration", empty_values=())
    modified_time = WhenColumn(verbose_name="Modified")
    deleted_at = WhenColumn(verbose_name="Deleted")
    # Columns a user cannot hide, and the ones hidden until a user chooses columns.
    required = ("select", "display_name")
    default_hidden = ()
    export_exclude = ("select",)
    column_needs = {"select": ("display_name",), "tags": lambda queryset: queryset.with_tag_labels(),
                    "migration": ("migration_status", "migration_target__display_name")}

    def render_tags(self, value):
        return tag_badges(value)

    def value_tags(self, value):
        return ", ".join(label["name"] for label in value)

    def render_recommendation(self, value, record):
        """`value` is the recommendation's label (get_recommendation_display)."""
        return mark_safe(f'<span class="badge {escape(record.get_recommendation_colour())}">{escape(value)}</span>')

    def render_dlp(self, value):
        """Status under the live policies in the newest DLP impact run (annotated by the list view)."""
        return DLP_BADGES.get(value, "")

    def value_dlp(self, value):
        return DLP_LABELS.get(value, "")

    def render_migration(self, value, record):
        """The item's latest live migration request (denormalised on the row; the target is select_related)."""
        if not value:
            return ""
        colour = MIGRATION_STATUS.get(value, ("", "grey"))[1]
        return mark_safe(f'<span class="badge {colour}" data-migration="{escape(value)}">'
                         f"{escape(record.get_migration_display())}</span>")

    def value_migration(self, record):
        return record.get_migration_display()


class AppTable(ItemTable):
    owner = tables.Column(accessor="owner__display_name", verbose_name="Owner")
    last_launched_time = WhenColumn(verbose_name="Last used")
    launches_30d = tables.Column(verbose_name="Launches (30 d)")
    unique_users_30d = tables.Column(verbose_name="Users (30 d)")
    default_hidden = ("launches_30d", "unique_users_30d")

    class Meta:
        model = App
        fields = ("select", "display_name", "kind", "environment", "owner", "modified_time", "last_launched_time",
                  "launches_30d", "unique_users_30d", "shared_users_count", "quarantine_status", "is_solution_aware",
                  "tags", "recommendation", "dlp", "migration", "deleted_at")

    order_last_launched_time = nulls_last("last_launched_time")
    order_launches_30d = nulls_last("launches_30d")
    order_unique_users_30d = nulls_last("unique_users_30d")


class FlowTable(ItemTable):
    creator = tables.Column(accessor="creator__display_name", verbose_name="Owner")
    last_run_time = WhenColumn(verbose_name="Last run")
    runs_30d = tables.Column(verbose_name="Runs (30 d)")
    failure_rate = tables.Column(verbose_name="Failure rate (%)", empty_values=())
    default_hidden = ("runs_30d", "failure_rate")
    column_needs = {**ItemTable.column_needs, "failure_rate": ("runs_30d", "failures_30d")}

    class Meta:
        model = Flow
        fields = ("select", "display_name", "state", "environment", "creator", "trigger_kind", "has_http_trigger",
                  "modified_time", "last_run_time", "runs_30d", "failure_rate", "is_solution_aware", "tags",
                  "recommendation", "dlp", "migration", "deleted_at")

    order_last_run_time = nulls_last("last_run_time")
    order_runs_30d = nulls_last("runs_30d")
    order_failure_rate = nulls_last(FAILURE_RATE)

    def render_failure_rate(self, record):
        return percent(record.failure_rate)

    def value_failure_rate(self, record):
        return percent(record.failure_rate)


def percent(rate):
    """0.125 -> "12.5"; "" when unknown (no run in 30 days)."""
    return "" if rate is None else f"{rate * 100:.1f}".removesuffix(".0")


class BotTable(tables.Table):
    environment = tables.Column(accessor="environment__display_name", verbose_name="Environment")
    owner = tables.Column(accessor="owner__display_name", verbose_name="Owner")
    conversations_30d = tables.Column(verbose_name="Conversations (30 d)")
    last_conversation_time = WhenColumn(verbose_name="Last conversation")

    class Meta:
        model = Bot
        fields = ("display_name", "environment", "owner", "is_published", "conversations_30d",
                  "last_conversation_time", "modified_time", "deleted_at")

    order_conversations_30d = nulls_last("conversations_30d")


class PagesSiteTable(tables.Table):
    environment = tables.Column(accessor="environment__display_name", verbose_name="Environment")
    owner = tables.Column(accessor="owner__display_name", verbose_name="Owner")
    website_url = tables.URLColumn()

    class Meta:
        model = PagesSite
        fields = ("display_name", "environment", "owner", "website_url", "modified_time", "deleted_at")


class TagTable(tables.Table):
    name = tables.LinkColumn("inventory:tag-edit", args=[tables.A("pk")])
    colour = tables.Column(orderable=False)
    apps = tables.Column(accessor="app_count", verbose_name="Apps")
    flows = tables.Column(accessor="flow_count", verbose_name="Flows")

    class Meta:
        model = Tag
        fields = ("name", "colour", "description", "apps", "flows")

    def render_colour(self, record):
        return tag_badges([{"name": record.name, "colour": record.colour}])


class MakerTable(tables.Table):
    class Meta:
        model = Maker
        fields = ("display_name", "email", "department", "location", "is_disabled", "is_deleted_in_entra")


class ConnectorTable(tables.Table):
    class Meta:
        model = Connector
        fields = ("display_name", "connector_id", "tier", "is_custom", "is_builtin", "publisher")


class SyncRunTable(tables.Table):
    id = tables.LinkColumn("inventory:sync-run", args=[tables.A("pk")], verbose_name="Run")
    status = tables.TemplateColumn('<span class="badge {{ record.get_status_colour }}">'
                                   "{{ record.get_status_display }}</span>")
    duration = tables.Column(accessor="duration", orderable=False, verbose_name="Seconds")

    class Meta:
        model = SyncRun
        fields = ("id", "kind", "status", "started", "duration", "requests", "throttled", "retries")
        order_by = ("-started",)

    def render_duration(self, value):
        return f"{value:.1f}"
