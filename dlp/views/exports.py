"""apps.csv and flow.csv in the DLP editor's impact layout, plus the connectors and rule it lacks."""

from collections import defaultdict

from coe_portal.core.export import csv_response
from coe_portal.core.filtering import InvalidFilter, refuse, strict_queryset
from coe_portal.core.permissions import role_required
from inventory.models import Connector, ConnectorUsage

from ..filtersets import ImpactItemFilterSet
from ..models import ImpactItem, Policy
from ..services.explain import explain, item_key
from .impact import _policy_and_run
from .policies import VIEWERS

CHUNK = 2000
EXTRA = ("ImpactChange", "ImpactPolicies", "ImpactRules", "BusinessConnectors", "NonBusinessConnectors",
         "BlockedConnectors", "Exempt")


def _header(kind):
    item = "App" if kind == "app" else "Flow"
    last = "AppLastLaunched" if kind == "app" else "FlowState"
    return [f"{item}Name", f"{item}Owner", f"{item}OwnerEmail", f"{item}Connections", f"{item}ID",
            f"{item}EnvironmentID", last, *EXTRA]


def _connections(rows, kind):
    ids = [row.app_id if kind == "app" else row.flow_id for row in rows]
    found = defaultdict(list)
    usages = ConnectorUsage.objects.filter(**{f"{kind}_id__in": ids}).values_list(f"{kind}_id",
                                                                                  "connector__connector_id")
    for pk, connector in usages.order_by("connector__connector_id"):
        if connector not in found[pk]:
            found[pk].append(connector)
    return found


def _lines(draft, rows, kind, names, policies):
    connections = _connections(rows, kind)
    explained = explain(draft, [item_key(row) for row in rows])
    for row in rows:
        item, maker, why = row.item, row.maker, explained.get(item_key(row), [])
        proposed = [v for v in why if v.proposed] or why

        def side(field, found=proposed):
            return ", ".join(dict.fromkeys(names.get(i, str(i)) for v in found for i in getattr(v, field)))

        last = (item.last_launched_time.isoformat() if item.last_launched_time else "") if kind == "app" \
            else item.state
        yield [item.display_name, maker.display_name if maker else "", maker.email if maker else "",
               ", ".join(connections[item.pk]), item.app_id if kind == "app" else item.flow_id,
               row.environment.env_id, last, row.get_change_display(),
               "; ".join(dict.fromkeys(policies.get(v.policy_id, "") for v in proposed)),
               "; ".join(dict.fromkeys(f"{v.rule}: {v.detail}" if v.detail else v.rule for v in proposed)),
               side("business"), side("non_business"),
               side("blocked"), "yes" if proposed and all(v.exempt for v in proposed) else ""]


def _export(request, pk, kind):
    policy, run = _policy_and_run(pk)
    rows = ImpactItem.objects.filter(run=run) if run else ImpactItem.objects.none()
    rows = rows.filter(**{f"{kind}__isnull": False}).select_related(kind, "environment", "maker")
    try:
        rows = strict_queryset(ImpactItemFilterSet, request.GET, rows, request=request, run=run)
    except InvalidFilter as exc:
        return refuse(request, f"Nothing was exported: {exc}")
    draft = policy if policy.is_draft else None
    names = dict(Connector.objects.values_list("pk", "connector_id"))
    policies = dict(Policy.objects.values_list("pk", "display_name"))

    def body():
        yield _header(kind)
        last = 0
        while True:  # keyset pages: each chunk is explained in one engine pass
            chunk = list(rows.filter(pk__gt=last).order_by("pk")[:CHUNK])
            if not chunk:
                return
            yield from _lines(draft, chunk, kind, names, policies)
            last = chunk[-1].pk

    return csv_response(body(), "apps.csv" if kind == "app" else "flow.csv")


@role_required(*VIEWERS)
def export_apps(request, pk):
    return _export(request, pk, "app")


@role_required(*VIEWERS)
def export_flows(request, pk):
    return _export(request, pk, "flow")
