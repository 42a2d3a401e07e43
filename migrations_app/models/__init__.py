from .packages import LegacyPackage
from .plans import ChecklistItem, CopyEnvironmentPlan, Plan, PortalMovePlan, TenantMovePlan

__all__ = ["ChecklistItem", "CopyEnvironmentPlan", "LegacyPackage", "Plan", "PortalMovePlan", "TenantMovePlan"]
