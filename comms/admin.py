from django.contrib import admin

from .models import Campaign, Delivery, DepartmentHead, EmailTemplate


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "stage", "audience", "is_default", "updated"]
    list_filter = ["stage", "audience"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "source_kind", "created"]
    raw_id_fields = ["tag"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "status", "attempts", "queued_at", "sent_at"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["campaign", "recipient"]


@admin.register(DepartmentHead)
class DepartmentHeadAdmin(admin.ModelAdmin):
    list_display = ["department", "emails"]
