"""Which departments a user's dashboards cover: all for CoE admins, their own for managers."""

from coe_portal.core.choices import Role
from coe_portal.core.permissions import has_role
from inventory.models import Maker

__all__ = ["departments_for"]


def departments_for(user):
    """Return None for every department, else the set of departments the user manages.

    A manager manages the departments set on their profile by an admin, else the department
    of their own maker record in the inventory.
    """
    if has_role(user, Role.COE_ADMIN):
        return None
    assigned = getattr(getattr(user, "profile", None), "managed_departments", None) or []
    if assigned:
        return set(assigned)
    return {department for department in Maker.objects.for_user(user).values_list("department", flat=True)
            if department}
