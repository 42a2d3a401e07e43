from django.contrib import admin

from .models import AuditEntry, JobRun, UserProfile


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created", "actor_name", "action", "object_repr", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_name", "object_repr")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(UserProfile)
admin.site.register(JobRun)
