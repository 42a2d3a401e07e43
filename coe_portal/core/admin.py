from django.contrib import admin

from .models import AuditEntry, JobRun, PendingEntraLink, UserProfile


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created", "actor_name", "action", "object_repr", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_name", "object_repr")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PendingEntraLink)
class PendingEntraLinkAdmin(admin.ModelAdmin):
    """Entra sign-ins waiting for a CoE admin to confirm the account their e-mail matches."""

    list_display = ("created", "name", "email", "entra_tenant_id", "entra_object_id", "user")
    readonly_fields = ("user", "entra_tenant_id", "entra_object_id", "email", "name", "created")
    actions = ["confirm"]

    @admin.action(description="Confirm: link the Entra identity to the matching account")
    def confirm(self, request, queryset):
        from .services.users import do_confirm_entra_link

        for link in queryset.select_related("user"):
            do_confirm_entra_link(link, request)
        self.message_user(request, "Linked. Those users can now sign in with Microsoft.")

    def has_add_permission(self, request):
        return False


admin.site.register(UserProfile)
admin.site.register(JobRun)
