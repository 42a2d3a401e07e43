"""Communication: e-mail templates, campaigns, their recipients, deliveries and answers."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from inventory.models.base import AppOrFlow

from .choices import Answer, Audience, CampaignStatus, DeliveryKind, DeliveryStatus, SourceKind, Stage

__all__ = ["Campaign", "Delivery", "DepartmentHead", "EmailTemplate", "Recipient", "RecipientItem"]


class EmailTemplate(models.Model):
    """Subject, text and HTML body for one stage of a migration and one audience.

    Bodies are sandboxed Jinja templates (comms/rendering.py): only the documented variables.
    """

    name = models.CharField(max_length=200, unique=True)
    stage = models.CharField(max_length=30, choices=Stage.choices)
    audience = models.CharField(max_length=30, choices=Audience.choices, default=Audience.APP_OWNERS)
    subject = models.CharField(max_length=300)
    body_text = models.TextField(help_text="Plain-text body")
    body_html = models.TextField(help_text="HTML body")
    is_default = models.BooleanField(default=False, help_text="Shipped with the portal")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["stage", "audience", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("comms:template-edit", kwargs={"pk": self.pk})


class Campaign(models.Model):
    """One message per maker about all their items from a source, then reminders at a cadence."""

    name = models.CharField(max_length=200)
    template = models.ForeignKey(EmailTemplate, on_delete=models.PROTECT, related_name="campaigns")
    reminder_template = models.ForeignKey(EmailTemplate, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="reminder_campaigns",
                                          help_text="Empty: reminders use the first template")
    digest_template = models.ForeignKey(EmailTemplate, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="digest_campaigns",
                                        help_text="Per-department digest for managers; empty: no digest")
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.TAG)
    tag = models.ForeignKey("inventory.Tag", null=True, blank=True, on_delete=models.PROTECT)
    filter_query = models.CharField(max_length=2000, blank=True, help_text="Query string of the inventory list")
    selection = models.JSONField(default=dict, blank=True, help_text='{"app": [ids], "flow": [ids]}')
    status = models.CharField(max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    send_at = models.DateTimeField(null=True, blank=True, help_text="Empty: as soon as it is started")
    cadence_days = models.PositiveIntegerField(null=True, blank=True, help_text="Remind every N days until answered")
    max_reminders = models.PositiveIntegerField(default=0)
    answer_by = models.DateField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    launched = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    cleanup_job = models.ForeignKey("core.JobRun", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="notice_campaigns",
                                    help_text="The clean-up job whose held items' owners this campaign tells")

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["cleanup_job"], condition=Q(cleanup_job__isnull=False),
                                               name="comms_one_notice_campaign_per_cleanup_job")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("comms:campaign", kwargs={"pk": self.pk})

    def claim_launch(self):
        """Scheduled and due -> launching; False when another worker took it or it is not due."""
        due = Q(send_at__isnull=True) | Q(send_at__lte=timezone.now())
        won = Campaign.objects.filter(due, pk=self.pk, status=CampaignStatus.SCHEDULED).update(
            status=CampaignStatus.LAUNCHING)
        return won == 1


def _unanswered_items():
    return RecipientItem.objects.filter(recipient=OuterRef("pk"), answer="")


class RecipientQuerySet(models.QuerySet):
    def awaiting_answer(self):
        """Recipients with at least one item of their message still unanswered: reminders go on for them."""
        return self.filter(Exists(_unanswered_items()))

    def fully_answered(self):
        return self.exclude(Exists(_unanswered_items()))


class Recipient(models.Model):
    """A maker in a campaign: their items, the code their answer links carry, and their latest answer."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    maker = models.ForeignKey("inventory.Maker", on_delete=models.PROTECT, related_name="comms_recipients")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField()
    answer = models.CharField(max_length=20, choices=Answer.choices, blank=True)
    justification = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True, help_text="Handled by an admin in the answer queue")
    reminders_sent = models.PositiveIntegerField(default=0)
    next_reminder_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "maker"], name="comms_one_recipient_per_maker")]

    def __str__(self):
        return f"{self.maker} in {self.campaign}"


class RecipientItem(AppOrFlow, models.Model):
    """One app or flow of a recipient, with the answer given for it."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="items")
    app = models.ForeignKey("inventory.App", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="comms_answers")
    flow = models.ForeignKey("inventory.Flow", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="comms_answers")
    answer = models.CharField(max_length=20, choices=Answer.choices, blank=True)
    justification = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(app__isnull=True) ^ Q(flow__isnull=True),
                                              name="comms_item_is_app_or_flow")]

    def __str__(self):
        return str(self.item)


class Delivery(models.Model):
    """One message, written before the send and updated after: the delivery log.

    (recipient, sequence) is unique, so a reminder can be queued once only; the send claims
    the row with a conditional UPDATE, so a retried task never sends a second copy.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(Recipient, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="deliveries")
    kind = models.CharField(max_length=20, choices=DeliveryKind.choices, default=DeliveryKind.FIRST)
    sequence = models.PositiveIntegerField(default=0, help_text="0: first message, n: n-th reminder")
    department = models.CharField(max_length=200, blank=True, help_text="For a digest")
    to = models.CharField(max_length=1000, help_text="Comma-separated addresses")
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED,
                              db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0, help_text="Times an admin queued a failed send again")
    error = models.TextField(blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["recipient", "sequence"], condition=Q(recipient__isnull=False),
                                    name="comms_one_delivery_per_step"),
            models.UniqueConstraint(fields=["campaign", "department"], condition=Q(kind="digest"),
                                    name="comms_one_digest_per_department"),
        ]

    def __str__(self):
        return f"{self.subject} to {self.to}"

    @classmethod
    def claim(cls, pk):
        """Queued -> sending; True for the one caller that wins."""
        won = cls.objects.filter(pk=pk, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING, attempts=models.F("attempts") + 1)
        return won == 1

    def mark_sent(self, message_id=""):
        Delivery.objects.filter(pk=self.pk).update(status=DeliveryStatus.SENT, sent_at=timezone.now(),
                                                   message_id=message_id[:300], error="")

    def mark_failed(self, reason):
        Delivery.objects.filter(pk=self.pk).update(status=DeliveryStatus.FAILED, error=str(reason)[:2000])

    def requeue(self):
        """A failed send queued again by an admin; False unless it had failed."""
        won = Delivery.objects.filter(pk=self.pk, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.QUEUED, retries=models.F("retries") + 1, error="")
        return won == 1


class DepartmentHead(models.Model):
    """Who receives a department's digest of a campaign (maintained in Django's admin)."""

    department = models.CharField(max_length=200, unique=True, help_text="As in Entra ID (the makers' department)")
    emails = models.CharField(max_length=1000, help_text="Comma-separated addresses")

    class Meta:
        ordering = ["department"]

    def __str__(self):
        return self.department
