from rest_framework import serializers

from ..models import App, Connector, ConnectorUsage, Environment, Flow, Maker, Tag

__all__ = [
    "AppSerializer", "ConnectorSerializer", "EnvironmentSerializer", "FlowSerializer", "MakerSerializer",
    "TagChangeSerializer", "TagSerializer",
]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "slug", "colour", "description"]


class EnvironmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Environment
        fields = ["id", "env_id", "display_name", "environment_type", "region", "is_default", "is_managed",
                  "dataverse_url", "created_time", "capacity_database_mb", "capacity_file_mb", "capacity_log_mb",
                  "capacity_limit_mb", "deleted_at"]


class MakerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Maker
        fields = ["id", "entra_object_id", "user_principal_name", "email", "display_name", "department", "location",
                  "is_disabled", "is_deleted_in_entra"]


class ConnectorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Connector
        fields = ["id", "connector_id", "display_name", "tier", "is_custom", "is_builtin", "publisher", "deleted_at"]


class UsageSerializer(serializers.ModelSerializer):
    connector = serializers.SlugRelatedField(slug_field="connector_id", read_only=True)

    class Meta:
        model = ConnectorUsage
        fields = ["connector", "connection_id", "is_implicitly_shared"]


class ItemSerializer(serializers.ModelSerializer):
    environment = serializers.SlugRelatedField(slug_field="env_id", read_only=True)
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    connectors = UsageSerializer(source="usages", many=True, read_only=True)


USAGE_FIELDS = ["usage_known_since", "usage_checked_time", "usage_source"]


class AppSerializer(ItemSerializer):
    owner = MakerSerializer(read_only=True)

    class Meta:
        model = App
        fields = ["id", "app_id", "display_name", "kind", "environment", "owner", "created_time", "modified_time",
                  "published_time", "last_launched_time", "launches_30d", "unique_users_30d", *USAGE_FIELDS,
                  "shared_users_count", "shared_groups_count", "is_solution_aware", "open_url", "quarantine_status",
                  "uses_premium", "uses_custom_connector", "uses_excel", "uses_sharepoint_list", "tags", "connectors",
                  "migration_status", "migration_target", "deleted_at"]


class FlowSerializer(ItemSerializer):
    creator = MakerSerializer(read_only=True)
    failure_rate = serializers.FloatField(read_only=True, allow_null=True,
                                          help_text="Failed share of the last 30 days' runs (0-1); null: no run")

    class Meta:
        model = Flow
        fields = ["id", "flow_id", "display_name", "state", "suspension_reason", "environment", "creator",
                  "trigger_kind", "has_http_trigger", "trigger_connector", "trigger_table", "is_solution_aware",
                  "created_time", "modified_time", "last_run_time", "last_success_time", "last_failure_time",
                  "runs_30d", "failures_30d", "failure_rate", *USAGE_FIELDS, "tags", "connectors", "migration_status",
                  "migration_target", "deleted_at"]


class TagChangeSerializer(serializers.Serializer):
    """Tags to add to and remove from one item, by slug."""

    add = serializers.ListField(child=serializers.SlugField(max_length=100), required=False, default=list,
                                max_length=100)
    remove = serializers.ListField(child=serializers.SlugField(max_length=100), required=False, default=list,
                                   max_length=100)

    def validate(self, data):
        slugs = set(data["add"]) | set(data["remove"])
        known = set(Tag.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        if unknown := sorted(slugs - known):
            raise serializers.ValidationError({"tags": f"Unknown tags: {', '.join(unknown)}"})
        return data
