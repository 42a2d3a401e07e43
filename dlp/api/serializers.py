"""DLP API bodies: policies as read from the tenant (or drafted), impact runs and their items."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import CHANGE_KEYS, Change, ItemStatus, Rule
from ..models import ImpactItem, ImpactRun, Policy, PolicyConnector

__all__ = ["ImpactItemSerializer", "ImpactRunSerializer", "ITEM_STATES", "PolicySerializer", "STATUS_KEYS"]

# ItemStatus by API name, both ways with the model's small integers.
STATUS_KEYS = {ItemStatus.OK: "ok", ItemStatus.EXEMPT: "exempt", ItemStatus.BROKEN: "broken"}
ITEM_STATES = [(name, name) for name in STATUS_KEYS.values()]  # one enum in the schema (settings)


class PolicyConnectorSerializer(serializers.ModelSerializer):
    connector = serializers.SlugRelatedField(slug_field="connector_id", read_only=True)

    class Meta:
        model = PolicyConnector
        fields = ["connector", "group"]


class PolicySerializer(serializers.ModelSerializer):
    """A live or draft policy: its listed connectors by group, default group, scope and environments."""

    connectors = PolicyConnectorSerializer(many=True, read_only=True)
    environments = serializers.SlugRelatedField(slug_field="env_id", many=True, read_only=True)

    class Meta:
        model = Policy
        fields = ["id", "name", "display_name", "is_draft", "replaces", "default_group", "custom_connector_group",
                  "scope", "environments", "connectors", "modified_by_name", "modified_time", "last_synced",
                  "deleted_at"]


class ImpactRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImpactRun
        fields = ["id", "draft", "status", "created", "finished", "seconds", "counts", "policy_ids", "error"]


class ViolationSerializer(serializers.Serializer):
    """One rule of one policy an item breaks, with the connectors (ids such as shared_sql) on each side."""

    policy = serializers.IntegerField()
    policy_name = serializers.CharField()
    rule = serializers.ChoiceField(choices=Rule.choices)
    business = serializers.ListField(child=serializers.CharField())
    non_business = serializers.ListField(child=serializers.CharField())
    blocked = serializers.ListField(child=serializers.CharField(),
                                    help_text="Blocked connectors; for an action or endpoint rule, its connector")
    detail = serializers.CharField(help_text="For an action or endpoint rule: the operation or endpoint it forbids")
    exempt = serializers.BooleanField(help_text="The item is exempt from this policy")
    proposed = serializers.BooleanField(help_text="False: the policy is only in the current set (the draft "
                                                  "replaces it)")


class _Keyed(serializers.ChoiceField):
    """An integer choice shown by its API name (`new`, `broken`, ...)."""

    def __init__(self, keys, **kwargs):
        self.keys = keys
        super().__init__(choices=list(keys.values()), read_only=True, **kwargs)

    def to_representation(self, value):
        return self.keys[value]


class ImpactItemSerializer(serializers.ModelSerializer):
    """An app or flow in an impact run; `violations` names the policy, rule and connectors it breaks."""

    kind = serializers.CharField(read_only=True)
    item = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    environment = serializers.SlugRelatedField(slug_field="env_id", read_only=True)
    maker = serializers.SerializerMethodField()
    change = _Keyed({code: CHANGE_KEYS[code] for code in Change})
    current = _Keyed(STATUS_KEYS)
    proposed = _Keyed(STATUS_KEYS)
    violations = serializers.SerializerMethodField()

    class Meta:
        model = ImpactItem
        fields = ["id", "run", "kind", "item", "name", "environment", "maker", "change", "current", "proposed",
                  "violations"]

    @extend_schema_field(serializers.IntegerField(help_text="The app's or flow's id in /api/inventory/"))
    def get_item(self, row):
        return row.app_id or row.flow_id

    @extend_schema_field(serializers.CharField())
    def get_name(self, row):
        return row.item.display_name if row.item else ""

    @extend_schema_field(serializers.DictField(allow_null=True, help_text="id, display_name, email, department"))
    def get_maker(self, row):
        maker = row.maker
        if maker is None:
            return None
        return {"id": maker.pk, "display_name": maker.display_name, "email": maker.email,
                "department": maker.department}

    @extend_schema_field(ViolationSerializer(many=True))
    def get_violations(self, row):
        names, policies = self.context.get("connector_ids", {}), self.context.get("policy_names", {})
        key = row.app_id if row.app_id else -row.flow_id
        return [{"policy": v.policy_id, "policy_name": policies.get(v.policy_id, ""), "rule": v.rule,
                 "business": [names.get(i, str(i)) for i in v.business],
                 "non_business": [names.get(i, str(i)) for i in v.non_business],
                 "blocked": [names.get(i, str(i)) for i in v.blocked], "detail": v.detail, "exempt": v.exempt,
                 "proposed": v.proposed}
                for v in self.context.get("explained", {}).get(key, [])]
