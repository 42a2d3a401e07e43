from django import template

from ..choices import Role
from ..permissions import user_roles

register = template.Library()


@register.filter
def roles_of(user):
    return user_roles(user)


@register.filter
def role_choices(_):
    return Role.choices


@register.filter
def role_label(value):
    return Role(value).label
