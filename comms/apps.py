from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "comms"
    verbose_name = "Communication"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the answer receivers)
