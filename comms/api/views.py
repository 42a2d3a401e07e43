"""Comms API: campaigns and deliveries for CoE admins; answers for admins, managers (their departments)
and makers (answers about their own items)."""

from django.db import transaction
from django.db.models import Count, Q
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coe_portal.core import audit
from coe_portal.core.api.filters import StrictFilterBackend
from coe_portal.core.api.schema import ERROR_BODY
from coe_portal.core.choices import Role
from coe_portal.core.permissions import HasRole

from .. import filtersets as ui_filtersets
from ..models import Campaign, Delivery, RecipientItem
from ..querysets import answers_visible_to
from ..services import campaigns
from ..services.audience import describe_source
from . import serializers
from .filtersets import AnswerApiFilterSet

__all__ = ["AnswerViewSet", "CampaignViewSet", "DeliveryViewSet", "answers_visible_to"]

ADMIN = (Role.COE_ADMIN,)
CONFLICT = OpenApiResponse(ERROR_BODY, description="The campaign was already started")


class CommsViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    permission_classes = [HasRole]
    required_roles = ADMIN
    filter_backends = [StrictFilterBackend]
    lookup_value_regex = "[0-9]+"


class CampaignViewSet(CommsViewSet, mixins.CreateModelMixin):
    """Campaigns (CoE admins, as the pages): list, read, make one from a tag, start it."""

    queryset = Campaign.objects.annotate(
        recipient_count=Count("recipients", distinct=True),
        answered_count=Count("recipients", filter=~Q(recipients__answer=""), distinct=True))
    filterset_class = ui_filtersets.CampaignFilterSet

    def get_serializer_class(self):
        return serializers.CampaignCreateSerializer if self.action == "create" else serializers.CampaignSerializer

    @extend_schema(request=serializers.CampaignCreateSerializer, responses={201: serializers.CampaignSerializer})
    def create(self, request, *args, **kwargs):
        body = serializers.CampaignCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            campaign = body.save(created_by=request.user)
            audit.record(request, "comms.campaign.create", campaign, source=describe_source(campaign), via="api")
            if body.validated_data.get("start"):
                self._start(request, campaign)
        return Response(serializers.CampaignSerializer(self.get_queryset().get(pk=campaign.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: serializers.CampaignSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def start(self, request, pk=None):
        """Schedule a draft campaign: it sends at its send_at, or at once."""
        campaign = self.get_object()
        with transaction.atomic():
            if not self._start(request, campaign):
                return Response({"detail": "This campaign was already started."}, status=status.HTTP_409_CONFLICT)
        return Response(serializers.CampaignSerializer(self.get_queryset().get(pk=campaign.pk)).data)

    @staticmethod
    def _start(request, campaign):
        started = campaigns.schedule_campaign(campaign)
        if started:
            audit.record(request, "comms.campaign.start", campaign, send_at=str(campaign.send_at or "now"), via="api")
        return started


class DeliveryViewSet(CommsViewSet):
    """The delivery log (CoE admins): every message, its status, attempts and error."""

    queryset = Delivery.objects.all()
    serializer_class = serializers.DeliverySerializer
    filterset_class = ui_filtersets.DeliveryFilterSet


class AnswerViewSet(CommsViewSet):
    """Makers' answers, one per item: keep (with the justification), migrate, delete or need help."""

    required_roles = (Role.COE_ADMIN, Role.MANAGER, Role.MAKER)
    queryset = RecipientItem.objects.exclude(answer="").select_related(
        "recipient__campaign", "recipient__maker", "app", "flow")
    serializer_class = serializers.AnswerSerializer
    filterset_class = AnswerApiFilterSet

    def get_queryset(self):
        return answers_visible_to(self.request.user, self.queryset)
