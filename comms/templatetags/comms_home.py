"""`{% answers_attention %}`: makers' answers no admin has reviewed yet, and campaigns still sending."""

from django import template
from django.urls import reverse

from ..choices import CampaignStatus
from ..models import Campaign, Recipient

register = template.Library()


@register.inclusion_tag("comms/inc/home_attention.html")
def answers_attention():
    unreviewed = Recipient.objects.exclude(answer="").filter(reviewed_at__isnull=True).count()
    sending = Campaign.objects.filter(status__in=[CampaignStatus.SCHEDULED, CampaignStatus.LAUNCHING]).count()
    return {"rows": [("Answers to review", unreviewed, f"{reverse('comms:answer-queue')}?pending_review=true"),
                     ("Campaigns scheduled or sending", sending, reverse("comms:campaign-list"))]}
