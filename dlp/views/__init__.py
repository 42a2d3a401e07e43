from .exports import export_apps, export_flows
from .impact import ImpactItemListView, impact_bulk, impact_compute, impact_summary
from .policies import (
                       PolicyListView,
                       connector_detail,
                       draft_new,
                       policy_connectors,
                       policy_copy,
                       policy_detail,
                       policy_move,
                       policy_scope,
                       policy_sync,
)

__all__ = [
    "ImpactItemListView", "PolicyListView", "connector_detail", "draft_new", "export_apps", "export_flows",
    "impact_bulk", "impact_compute", "impact_summary", "policy_connectors", "policy_copy", "policy_detail",
    "policy_move", "policy_scope", "policy_sync",
]
