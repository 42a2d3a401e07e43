from django.contrib import admin

from .models import App, Connector, Environment, Flow, Maker, SyncRun, Tag


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ("display_name", "environment_type", "region", "is_default", "deleted_at")
    search_fields = ("display_name", "env_id")


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    list_display = ("display_name", "kind", "environment", "owner", "modified_time", "deleted_at")
    list_select_related = ("environment", "owner")
    search_fields = ("display_name", "app_id")
    raw_id_fields = ("owner", "environment")


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    list_display = ("display_name", "state", "environment", "creator", "modified_time", "deleted_at")
    list_select_related = ("environment", "creator")
    search_fields = ("display_name", "flow_id")
    raw_id_fields = ("creator", "environment")


@admin.register(Maker)
class MakerAdmin(admin.ModelAdmin):
    list_display = ("display_name", "email", "department", "is_disabled", "is_deleted_in_entra")
    search_fields = ("display_name", "email", "user_principal_name")


admin.site.register(Connector)
admin.site.register(Tag)
admin.site.register(SyncRun)
