from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import filters, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coe_portal.core import audit
from coe_portal.core.api.filters import StrictFilterBackend
from coe_portal.core.choices import Role
from coe_portal.core.permissions import HasRole

from .. import filtersets
from ..models import App, Connector, ConnectorUsage, Environment, Flow, Maker, Tag
from . import serializers

__all__ = ["AppViewSet", "ConnectorViewSet", "EnvironmentViewSet", "FlowViewSet", "MakerViewSet", "TagViewSet"]

BROWSERS = (Role.COE_ADMIN, Role.MANAGER)
EVERYONE = (Role.COE_ADMIN, Role.MANAGER, Role.MAKER)
USAGES = Prefetch("usages", queryset=ConnectorUsage.objects.select_related("connector"))


class InventoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only inventory lists: the list pages' filtersets, keyset paging, the same roles as the UI."""

    permission_classes = [HasRole]
    required_roles = BROWSERS
    filter_backends = [StrictFilterBackend]
    lookup_value_regex = "[0-9]+"


class ItemViewSet(InventoryViewSet):
    """Apps and flows: makers get their own items; CoE admins can also change tags."""

    required_roles = EVERYONE

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user)

    def get_permissions(self):
        if self.action == "tags":
            self.required_roles = (Role.COE_ADMIN,)
        return super().get_permissions()

    @extend_schema(request=serializers.TagChangeSerializer, responses=serializers.TagSerializer(many=True))
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def tags(self, request, pk=None):
        """Add and remove tags (by slug) on one item; answers with the item's tags after the change."""
        item = self.get_object()
        change = serializers.TagChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        with transaction.atomic():
            item.tags.add(*Tag.objects.filter(slug__in=change.validated_data["add"]))
            item.tags.remove(*Tag.objects.filter(slug__in=change.validated_data["remove"]))
            audit.record(request, "inventory.tags", obj=item, via="api", **change.validated_data)
        return Response(serializers.TagSerializer(item.tags.all(), many=True).data)


class EnvironmentViewSet(InventoryViewSet):
    queryset = Environment.objects.all()
    serializer_class = serializers.EnvironmentSerializer
    filterset_class = filtersets.EnvironmentFilterSet


class MakerViewSet(InventoryViewSet):
    queryset = Maker.objects.all()
    serializer_class = serializers.MakerSerializer
    filterset_class = filtersets.MakerFilterSet


class ConnectorViewSet(InventoryViewSet):
    queryset = Connector.objects.all()
    serializer_class = serializers.ConnectorSerializer
    filterset_class = filtersets.ConnectorFilterSet


class TagViewSet(InventoryViewSet):
    queryset = Tag.objects.all()
    serializer_class = serializers.TagSerializer
    filter_backends = [StrictFilterBackend, filters.SearchFilter]
    search_fields = ["name", "slug"]


class AppViewSet(ItemViewSet):
    queryset = App.objects.select_related("environment", "owner").prefetch_related("tags", USAGES)
    serializer_class = serializers.AppSerializer
    filterset_class = filtersets.AppFilterSet


class FlowViewSet(ItemViewSet):
    queryset = Flow.objects.select_related("environment", "creator").prefetch_related("tags", USAGES)
    serializer_class = serializers.FlowSerializer
    filterset_class = filtersets.FlowFilterSet
