"""DLP API: policies (read-only), impact runs, and impact items with the rule and connectors each breaks."""

from django.db.models import Prefetch
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from coe_portal.core.api.filters import StrictFilterBackend
from coe_portal.core.choices import Role
from coe_portal.core.permissions import HasRole
from inventory.models import Connector

from ..filtersets import PolicyFilterSet
from ..models import ImpactItem, ImpactRun, Policy, PolicyConnector
from ..services.explain import explain, item_key
from . import serializers
from .filtersets import ImpactItemApiFilterSet

__all__ = ["ImpactItemViewSet", "ImpactRunViewSet", "PolicyViewSet"]

VIEWERS = (Role.COE_ADMIN, Role.MANAGER)  # as the DLP pages: managers read, makers do not see DLP


class DlpViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [HasRole]
    required_roles = VIEWERS
    filter_backends = [StrictFilterBackend]
    lookup_value_regex = "[0-9]+"


class PolicyViewSet(DlpViewSet):
    """Live policies read from the tenant and the drafts admins edit in the portal."""

    queryset = Policy.objects.prefetch_related(
        "environments", Prefetch("connectors", queryset=PolicyConnector.objects.select_related("connector")))
    serializer_class = serializers.PolicySerializer
    filterset_class = PolicyFilterSet


class ImpactRunViewSet(DlpViewSet):
    """Computations of impact: the live policies, or the live ones with a draft in place of its source."""

    queryset = ImpactRun.objects.all()
    serializer_class = serializers.ImpactRunSerializer
    filterset_fields = ["draft", "status"]


class RunFilterBackend(StrictFilterBackend):
    """Give the filterset the run the view chose, so `policy` maps to the run's policy bits."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "run": view.get_run()}


def _whole_number(params, name):
    value = params.get(name, "")
    if not value.isdigit():
        raise ValidationError({name: "Give a whole number (an id)."})
    return int(value)


class ImpactItemViewSet(DlpViewSet):
    """Items one run finds broken or exempt (by default the newest run of the live policies).

    `?draft=<policy id>` takes that draft's newest run, `?run=<id>` a given one. Each item names
    the policy, the rule and the exact connectors it breaks, recomputed for the page returned.
    """

    serializer_class = serializers.ImpactItemSerializer
    filterset_class = ImpactItemApiFilterSet
    filter_backends = [RunFilterBackend]
    extra_query_params = ("run", "draft")
    queryset = ImpactItem.objects.select_related("app", "flow", "environment", "maker")

    def get_run(self):
        if not hasattr(self, "_run"):
            self._run = self._find_run() if self.action == "list" else None
        return self._run

    def _find_run(self):
        params = self.request.query_params
        done = ImpactRun.objects.filter(status=ImpactRun.Status.DONE)
        if params.get("run"):
            run = done.filter(pk=_whole_number(params, "run")).first()
            if run is None:
                raise ValidationError({"run": "No computed impact run with this id."})
            return run
        if params.get("draft"):
            draft = Policy.objects.filter(pk=_whole_number(params, "draft"), is_draft=True).first()
            if draft is None:
                raise ValidationError({"draft": "No draft policy with this id."})
            return done.filter(draft=draft).first()
        return done.filter(draft=None).first()

    def get_queryset(self):
        if self.action != "list":
            return self.queryset
        run = self.get_run()
        return self.queryset.filter(run=run) if run else self.queryset.none()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = self.get_serializer(page, many=True, context=self._explained(page, self.get_run()))
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        row = self.get_object()
        run = ImpactRun.objects.filter(pk=row.run_id).first()
        return Response(self.get_serializer(row, context=self._explained([row], run)).data)

    def _explained(self, rows, run):
        """The serializer context: each row's violations, connector ids and policy names."""
        context = self.get_serializer_context()
        if not rows or run is None:
            return context
        explained = explain(run.draft, [item_key(row) for row in rows])
        ids = {i for found in explained.values() for v in found for i in (*v.business, *v.non_business, *v.blocked)}
        context.update(explained=explained,
                       connector_ids=dict(Connector.objects.filter(pk__in=ids).values_list("pk", "connector_id")),
                       policy_names=dict(Policy.objects.filter(pk__in={v.policy_id for found in explained.values()
                                                                        for v in found}).values_list(
                                                                            "pk", "display_name")))
        return context
