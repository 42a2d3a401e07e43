from django.conf import settings

from .choices import Role
from .permissions import user_roles


def portal(request):
    roles = user_roles(request.user) if hasattr(request, "user") else frozenset()
    return {
        "user_roles": roles,
        "is_coe_admin": Role.COE_ADMIN in roles,
        "is_maker": Role.MAKER in roles,
        "is_manager": Role.MANAGER in roles,
        "entra_enabled": bool(settings.ENTRA_TENANT_ID and settings.ENTRA_CLIENT_ID),
        "local_login_enabled": settings.LOCAL_LOGIN_ENABLED,
    }
