"""Who may read which makers' answers: written once, used by the answer pages and the API."""

from django.db.models import Q

from coe_portal.core.choices import Role
from coe_portal.core.permissions import has_role
from coe_portal.dashboards.scope import departments_for
from inventory.models import Maker

__all__ = ["answers_visible_to"]


def answers_visible_to(user, queryset):
    """RecipientItems `user` may read: admins every one; managers their departments' makers' (as on the
    dashboards) and their own items'; makers their own items'; anyone else none."""
    if has_role(user, Role.COE_ADMIN):
        return queryset
    # Items the user owns, as visible_to decides for makers (managers browse every item, so not visible_to).
    makers = Maker.objects.for_user(user).values("pk")
    own = Q(app__owner__in=makers) | Q(flow__creator__in=makers)
    if has_role(user, Role.MANAGER):
        departments = departments_for(user) or set()
        return queryset.filter(Q(recipient__maker__department__in=departments) | own)
    return queryset.filter(own) if has_role(user, Role.MAKER) else queryset.none()
