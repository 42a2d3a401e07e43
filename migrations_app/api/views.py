"""Migration API: makers request and follow their own migrations; CoE admins see and decide all."""

from django.db import transaction
from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coe_portal.core import audit
from coe_portal.core.api.filters import StrictFilterBackend
from coe_portal.core.api.schema import ERROR_BODY
from coe_portal.core.choices import Role
from coe_portal.core.permissions import HasRole

from ..choices import RequestState
from ..models import MigrationRequest, RequestItem, StateError, Wave
from ..services import requests as request_services
from . import serializers

__all__ = ["RequestViewSet", "WaveViewSet"]

REFUSED = OpenApiResponse(ERROR_BODY, description="The rules refuse it; `detail` says why")
ITEMS = Prefetch("items", queryset=RequestItem.objects.select_related("app", "flow"))


class RequestFilterSet(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=RequestState.choices)
    wave = filters.NumberFilter(field_name="wave_id")
    target = filters.CharFilter(field_name="target__env_id")

    class Meta:
        model = MigrationRequest
        fields = ["state", "wave", "target"]


class RequestViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Requests with their items and job: a maker's own, or all for CoE admins (as the pages)."""

    permission_classes = [HasRole]
    required_roles = (Role.COE_ADMIN, Role.MAKER)
    filter_backends = [StrictFilterBackend]
    filterset_class = RequestFilterSet
    serializer_class = serializers.RequestSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (MigrationRequest.objects.visible_to(self.request.user)
                .select_related("target", "wave", "requested_by", "job").prefetch_related(ITEMS))

    def get_permissions(self):
        if self.action == "decide":
            self.required_roles = (Role.COE_ADMIN,)
        return super().get_permissions()

    @extend_schema(request=serializers.RequestCreateSerializer,
                   responses={201: serializers.RequestSerializer, 400: REFUSED})
    def create(self, request):
        """Request the migration of some of your own apps and flows (one environment per request)."""
        body = serializers.RequestCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            with transaction.atomic():
                created = request_services.do_submit_request(
                    request.user, data["items"], data["target"], data["reason"], data.get("preferred_from"),
                    data.get("preferred_to"), data.get("source_action"))
                audit.record(request, "migrations.request.create", created, via="api")
        except StateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(self.get_queryset().get(pk=created.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.CancelSerializer, responses={200: serializers.RequestSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def cancel(self, request, pk=None):
        """Cancel a request before its job starts."""
        migration = self.get_object()
        try:
            migration.cancel()
        except StateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        audit.record(request, "migrations.request.cancel", migration, via="api")
        return Response(self.get_serializer(self.get_queryset().get(pk=migration.pk)).data)

    @extend_schema(request=serializers.DecisionSerializer, responses={200: serializers.DecisionResultSerializer})
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def decide(self, request):
        """CoE admins: approve (optionally into a wave) or reject several requests; refusals are listed."""
        body = serializers.DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        chosen = list(MigrationRequest.objects.sent().filter(pk__in=data["requests"]))
        missing = sorted(set(data["requests"]) - {m.pk for m in chosen})  # unknown, or a maker's unsent draft
        with transaction.atomic():
            changed, refused = request_services.do_decide(chosen, request.user, data["approve"], data["message"],
                                                          data.get("wave"))
            for migration in changed:
                audit.record(request, "migrations.request." + ("approve" if data["approve"] else "reject"),
                             migration, via="api", message=data["message"])
        found = self.get_queryset().filter(pk__in=[m.pk for m in changed])
        return Response({"changed": self.get_serializer(found, many=True).data,
                         "refused": [{"id": m.pk, "detail": why} for m, why in refused]
                         + [{"id": pk, "detail": "No such request."} for pk in missing]})


class WaveViewSet(viewsets.ReadOnlyModelViewSet):
    """Waves (CoE admins)."""

    permission_classes = [HasRole]
    required_roles = (Role.COE_ADMIN,)
    queryset = Wave.objects.all()
    serializer_class = serializers.WaveSerializer
    lookup_value_regex = "[0-9]+"
