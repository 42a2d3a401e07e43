import django_tables2 as tables

from .models import App, Connector, Environment, Flow, Maker, SyncRun

__all__ = ["AppTable", "ConnectorTable", "EnvironmentTable", "FlowTable", "MakerTable", "SyncRunTable"]


class EnvironmentTable(tables.Table):
    class Meta:
        model = Environment
        fields = ("display_name", "environment_type", "region", "is_default", "is_managed", "dataverse_url",
                  "created_time", "deleted_at")


class AppTable(tables.Table):
    environment = tables.Column(accessor="environment__display_name", verbose_name="Environment")
    owner = tables.Column(accessor="owner__display_name", verbose_name="Owner")

    class Meta:
        model = App
        fields = ("display_name", "kind", "environment", "owner", "modified_time", "shared_users_count",
                  "quarantine_status", "is_solution_aware", "deleted_at")


class FlowTable(tables.Table):
    environment = tables.Column(accessor="environment__display_name", verbose_name="Environment")
    creator = tables.Column(accessor="creator__display_name", verbose_name="Creator")

    class Meta:
        model = Flow
        fields = ("display_name", "state", "environment", "creator", "trigger_kind", "has_http_trigger",
                  "modified_time", "is_solution_aware", "deleted_at")


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
