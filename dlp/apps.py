from django.apps import AppConfig


class DlpConfig(AppConfig):
    name = "dlp"
    verbose_name = "DLP policies and impact"
