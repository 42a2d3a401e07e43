from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "coe_portal.core"
    label = "core"
    verbose_name = "Portal core"

    def ready(self):
        from coe_portal import checks  # noqa: F401  (registers system checks)

        from . import signals  # noqa: F401
