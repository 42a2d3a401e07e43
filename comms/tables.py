import django_tables2 as tables

from .models import Campaign, Delivery, EmailTemplate, Recipient

__all__ = ["AnswerTable", "CampaignTable", "DeliveryTable", "EmailTemplateTable"]


class EmailTemplateTable(tables.Table):
    name = tables.LinkColumn("comms:template-edit", args=[tables.A("pk")])
    updated = tables.DateTimeColumn(format="Y-m-d H:i")

    class Meta:
        model = EmailTemplate
        fields = ("name", "stage", "audience", "subject", "is_default", "updated")


class CampaignTable(tables.Table):
    name = tables.LinkColumn("comms:campaign", args=[tables.A("pk")])
    template = tables.Column(accessor="template__name", verbose_name="Template")
    created = tables.DateTimeColumn(format="Y-m-d H:i")
    launched = tables.DateTimeColumn(format="Y-m-d H:i")

    class Meta:
        model = Campaign
        fields = ("name", "status", "template", "source_kind", "send_at", "cadence_days", "max_reminders",
                  "created", "launched")


class DeliveryTable(tables.Table):
    campaign = tables.LinkColumn("comms:campaign", args=[tables.A("campaign_id")], accessor="campaign__name")
    queued_at = tables.DateTimeColumn(format="Y-m-d H:i:s")
    sent_at = tables.DateTimeColumn(format="Y-m-d H:i:s")

    class Meta:
        model = Delivery
        fields = ("queued_at", "campaign", "kind", "sequence", "to", "subject", "status", "attempts", "retries",
                  "error", "sent_at")


class AnswerTable(tables.Table):
    campaign = tables.LinkColumn("comms:campaign", args=[tables.A("campaign_id")], accessor="campaign__name")
    maker = tables.Column(accessor="maker__display_name", verbose_name="Maker")
    answered_at = tables.DateTimeColumn(format="Y-m-d H:i")
    # Each item with its own answer and justification: the recipient's `answer` is only their latest one.
    items = tables.TemplateColumn(template_name="comms/inc/answer_items_cell.html", orderable=False,
                                  verbose_name="Answers per item")
    review = tables.TemplateColumn(template_name="comms/inc/answer_review_cell.html", orderable=False,
                                   verbose_name="")

    class Meta:
        model = Recipient
        fields = ("answered_at", "campaign", "maker", "email", "items", "reviewed_at", "review")
