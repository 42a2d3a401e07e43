from .jobs import MigrationJob
from .packages import LegacyPackage
from .plans import ChecklistItem, CopyEnvironmentPlan, Plan, PortalMovePlan, TenantMovePlan
from .requests import MigrationRequest, RequestItem, StateError, Wave

__all__ = ["ChecklistItem", "CopyEnvironmentPlan", "LegacyPackage", "MigrationJob", "MigrationRequest", "Plan",
           "PortalMovePlan", "RequestItem", "StateError", "TenantMovePlan", "Wave"]
