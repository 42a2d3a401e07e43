from django.apps import AppConfig


class MigrationsAppConfig(AppConfig):
    name = "migrations_app"
    verbose_name = "Migrations"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the maker_answered receiver)
