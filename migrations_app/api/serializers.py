"""Migration requests, their items and jobs, and waves, as the API shows them."""

from rest_framework import serializers

from inventory.models import App, Environment, Flow

from ..choices import SourceAction
from ..models import MigrationJob, MigrationRequest, RequestItem, Wave

__all__ = ["CancelSerializer", "DecisionResultSerializer", "DecisionSerializer", "RequestCreateSerializer",
           "RequestSerializer", "WaveSerializer"]


class RequestItemSerializer(serializers.ModelSerializer):
    kind = serializers.CharField()
    item_id = serializers.SerializerMethodField(help_text="The app's or flow's id in the portal inventory")
    display_name = serializers.SerializerMethodField()

    class Meta:
        model = RequestItem
        fields = ["kind", "item_id", "display_name", "new_id", "new_url"]

    def get_item_id(self, row) -> int:
        return row.app_id or row.flow_id

    def get_display_name(self, row) -> str:
        return row.item.display_name


class JobSerializer(serializers.ModelSerializer):
    steps_done = serializers.IntegerField()

    class Meta:
        model = MigrationJob
        fields = ["state", "step", "steps_done", "steps", "error", "solution_unique_name", "backup_sha256",
                  "imported_at", "verified_at", "started", "finished"]


class WaveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Wave
        fields = ["id", "name", "state", "scheduled_start", "started", "created"]


class RequestSerializer(serializers.ModelSerializer):
    target = serializers.CharField(source="target.env_id", allow_null=True, help_text="Empty on a draft not yet sent")
    target_name = serializers.CharField(source="target.display_name", allow_null=True)
    requested_by = serializers.CharField(source="requested_by.get_username")
    wave = WaveSerializer(allow_null=True)
    items = RequestItemSerializer(many=True)
    job = serializers.SerializerMethodField()

    class Meta:
        model = MigrationRequest
        fields = ["id", "code", "state", "requested_by", "target", "target_name", "reason", "preferred_from",
                  "preferred_to", "source_action", "admin_message", "wave", "items", "job", "created", "updated"]

    def get_job(self, request) -> JobSerializer(allow_null=True):
        job = getattr(request, "job", None)
        return JobSerializer(job).data if job else None


class ItemRefSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["app", "flow"])
    id = serializers.IntegerField(min_value=1)


class EnvironmentIdField(serializers.SlugRelatedField):
    """An environment by env_id; a value no env_id can be (a NUL would reach PostgreSQL: a 500) is not found."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data or len(data) > 200:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:100])
        return super().to_internal_value(data)


class RequestCreateSerializer(serializers.Serializer):
    """A maker's request: their own items of one environment, a target offered for them, and why."""

    items = ItemRefSerializer(many=True, min_length=1, max_length=200)
    target = EnvironmentIdField(slug_field="env_id", queryset=Environment.objects.all(),
                                          help_text="The target environment's id (env_id)")
    reason = serializers.CharField(max_length=2000)
    preferred_from = serializers.DateField(required=False, allow_null=True)
    preferred_to = serializers.DateField(required=False, allow_null=True)
    source_action = serializers.ChoiceField(choices=SourceAction.choices, required=False)

    def validate_items(self, refs):
        # Only items the user may see: another maker's item answers as one that does not exist.
        user = self.context["request"].user
        found = []
        for ref in refs:
            model = App if ref["kind"] == "app" else Flow
            item = model.objects.visible_to(user).filter(pk=ref["id"]).first()
            if item is None:
                raise serializers.ValidationError(f"No {ref['kind']} with id {ref['id']}.")
            found.append(item)
        return found


class DecisionSerializer(serializers.Serializer):
    """An admin's decision on several requests at once."""

    requests = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=500)
    approve = serializers.BooleanField()
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    wave = serializers.PrimaryKeyRelatedField(queryset=Wave.objects.all(), required=False, allow_null=True)


class CancelSerializer(serializers.Serializer):
    pass


class RefusalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    detail = serializers.CharField()


class DecisionResultSerializer(serializers.Serializer):
    changed = RequestSerializer(many=True)
    refused = RefusalSerializer(many=True)
