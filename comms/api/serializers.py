"""Comms API bodies: campaigns (read, and made from a tag), their deliveries, and makers' answers."""

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.api.serializers import MakerSerializer
from inventory.models import Tag

from ..choices import SourceKind
from ..models import Campaign, Delivery, RecipientItem

SLUG = re.compile(r"[-\w]+")

__all__ = ["AnswerSerializer", "CampaignCreateSerializer", "CampaignSerializer", "DeliverySerializer"]


class CampaignSerializer(serializers.ModelSerializer):
    tag = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    recipients = serializers.IntegerField(source="recipient_count", read_only=True, help_text="Makers written to")
    answered = serializers.IntegerField(source="answered_count", read_only=True, help_text="Makers who answered")

    class Meta:
        model = Campaign
        fields = ["id", "name", "template", "reminder_template", "digest_template", "source_kind", "tag",
                  "filter_query", "selection", "status", "send_at", "cadence_days", "max_reminders", "answer_by",
                  "created", "launched", "error", "recipients", "answered"]


class TagSlugField(serializers.SlugRelatedField):
    """A tag by slug; a value that cannot be a slug (a NUL byte would reach PostgreSQL) is just not found."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not SLUG.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:100])
        return super().to_internal_value(data)


class CampaignCreateSerializer(serializers.ModelSerializer):
    """A campaign to the makers of every item with a tag (by slug); `start` schedules it at once."""

    tag = TagSlugField(slug_field="slug", queryset=Tag.objects.all())
    start = serializers.BooleanField(default=False, write_only=True,
                                     help_text="Schedule it now (sends at send_at, or at once without one)")

    class Meta:
        model = Campaign
        fields = ["name", "template", "tag", "send_at", "answer_by", "cadence_days", "max_reminders",
                  "reminder_template", "digest_template", "start"]

    def validate(self, data):
        if data.get("cadence_days") and not data.get("max_reminders"):
            raise serializers.ValidationError(
                {"max_reminders": "Say how many reminders at most (the cadence stops after them)."})
        return data

    def create(self, validated_data):
        validated_data.pop("start", None)
        return Campaign.objects.create(source_kind=SourceKind.TAG, **validated_data)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "campaign", "recipient", "kind", "sequence", "department", "to", "subject", "status",
                  "attempts", "retries", "error", "queued_at", "sent_at"]


class AnswerSerializer(serializers.ModelSerializer):
    """A maker's answer about one app or flow of a campaign."""

    campaign = serializers.IntegerField(source="recipient.campaign_id", read_only=True)
    campaign_name = serializers.CharField(source="recipient.campaign.name", read_only=True)
    kind = serializers.CharField(read_only=True)
    item = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    maker = MakerSerializer(source="recipient.maker", read_only=True)
    reviewed_at = serializers.DateTimeField(source="recipient.reviewed_at", read_only=True, allow_null=True)

    class Meta:
        model = RecipientItem
        fields = ["id", "campaign", "campaign_name", "kind", "item", "name", "maker", "answer", "justification",
                  "answered_at", "reviewed_at"]

    @extend_schema_field(serializers.IntegerField(help_text="The app's or flow's id in /api/inventory/"))
    def get_item(self, entry):
        return entry.app_id or entry.flow_id

    @extend_schema_field(serializers.CharField())
    def get_name(self, entry):
        return entry.item.display_name
