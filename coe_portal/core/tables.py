import django_tables2 as tables
from django.contrib.auth import get_user_model

from .models import AuditEntry

__all__ = ["AuditEntryTable", "UserTable"]


class AuditEntryTable(tables.Table):
    created = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name="When")
    actor_name = tables.Column(verbose_name="Who")
    action = tables.Column(verbose_name="What")
    object_repr = tables.Column(verbose_name="Object")
    details = tables.JSONColumn(orderable=False)
    ip_address = tables.Column(verbose_name="From")

    class Meta:
        model = AuditEntry
        fields = ("created", "actor_name", "action", "object_repr", "details", "ip_address")
        order_by = ("-created",)


class UserTable(tables.Table):
    username = tables.Column()
    email = tables.EmailColumn()
    roles = tables.TemplateColumn(template_name="core/inc/user_roles_cell.html", orderable=False)
    last_login = tables.DateTimeColumn(format="Y-m-d H:i")

    class Meta:
        model = get_user_model()
        fields = ("username", "first_name", "last_name", "email", "roles", "last_login")
        order_by = ("username",)
