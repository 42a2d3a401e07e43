"""Roles, written once: who holds which role, and the checks views and APIs call."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .choices import Role

__all__ = ["HasRole", "RoleDenied", "RoleRequiredMixin", "has_role", "role_required", "set_roles", "user_roles"]


class RoleDenied(PermissionDenied):
    """Raised when a signed-in user lacks every role a page accepts; the 403 page names them."""

    def __init__(self, roles):
        self.roles = [Role(role) for role in roles]
        super().__init__("This page needs the role: " + " or ".join(role.label for role in self.roles))


def user_roles(user):
    """Return the set of Role values the user holds (superusers hold CoE admin)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if not hasattr(user, "_portal_roles"):
        labels = {role.label: role.value for role in Role}
        names = user.groups.filter(name__in=labels).values_list("name", flat=True)
        roles = {labels[name] for name in names}
        if user.is_superuser:
            roles.add(Role.COE_ADMIN.value)
        user._portal_roles = frozenset(roles)
    return user._portal_roles


def has_role(user, *roles):
    return bool(user_roles(user) & {Role(role).value for role in roles})


def set_roles(user, roles):
    """Make the user's role groups exactly `roles`; return (added, removed) role values."""
    wanted = {Role(role).value for role in roles}
    current = user_roles(user) - ({Role.COE_ADMIN.value} if user.is_superuser else set())
    for role in wanted - current:
        user.groups.add(Group.objects.get_or_create(name=Role(role).label)[0])
    for role in current - wanted:
        user.groups.remove(*Group.objects.filter(name=Role(role).label))
    user.__dict__.pop("_portal_roles", None)
    return sorted(wanted - current), sorted(current - wanted)


def role_required(*roles):
    """Decorate a function view: anonymous users go to sign-in, others need one of `roles`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise RoleDenied(roles)
            return view(request, *args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator


class RoleRequiredMixin(LoginRequiredMixin):
    """Class-based view counterpart of role_required; set `required_roles`."""

    required_roles = ()

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_role(request.user, *self.required_roles):
            raise RoleDenied(self.required_roles)
        return super().dispatch(request, *args, **kwargs)


class HasRole(BasePermission):
    """DRF permission: the view's `required_roles` must meet the user's roles."""

    def has_permission(self, request, view):
        return has_role(request.user, *getattr(view, "required_roles", ()))
