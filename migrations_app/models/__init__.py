from .jobs import MigrationJob
from .plans import ChecklistItem, CopyEnvironmentPlan, Plan, PortalMovePlan, TenantMovePlan
from .requests import MigrationRequest, RequestItem, StateError, Wave

__all__ = ["ChecklistItem", "CopyEnvironmentPlan", "MigrationJob", "MigrationRequest", "Plan", "PortalMovePlan",
           "RequestItem", "StateError", "TenantMovePlan", "Wave"]
