from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "coe_portal.dashboards"
    label = "dashboards"
    verbose_name = "Progress dashboards"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app declares the figures it contributes in its own `metrics.py`, what blocks progress in `blockers.py`.
        autodiscover_modules("metrics")
        autodiscover_modules("blockers")
