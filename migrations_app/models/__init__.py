from .plans import ChecklistItem, CopyEnvironmentPlan, Plan, PortalMovePlan, TenantMovePlan

__all__ = ["ChecklistItem", "CopyEnvironmentPlan", "Plan", "PortalMovePlan", "TenantMovePlan"]
