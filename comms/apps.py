from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "comms"
    verbose_name = "Communication"

    def ready(self):
        from . import audit_sentences, receivers  # noqa: F401  (connects the receivers, registers sentences)
