from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"

    def ready(self):
        from . import audit_sentences  # noqa: F401  (registers the item history's sentences)
