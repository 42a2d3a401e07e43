from html import escape as escape_text  # Django's escape of a str, without its lazy wrapper

import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import AuditEntry
from .table_rows import checkbox_template

__all__ = ["AuditEntryTable", "SelectColumn", "UserTable"]

SELECT_ALL = "Select every row on this page"


class SelectColumn(tables.CheckBoxColumn):
    """A row's selection box with an accessible name, "Select <name>"; the header box is "Select every row…".

    `label(record)` names the row (default: str(record)); it must not query (it runs once per row).
    """

    def __init__(self, *args, label=str, **kwargs):
        super().__init__(*args, **kwargs)
        self.label = label
        self.attrs.setdefault("th__input", dict(self.attrs.get("input", {})))
        self.attrs["th__input"].setdefault("aria-label", SELECT_ALL)

    def render(self, value, bound_column, record):
        html = str(super().render(value, bound_column, record))
        return mark_safe(html.replace("<input ", f'<input aria-label="Select {escape(self.label(record))}" ', 1))

    def fast_cell(self, bound_column):
        """(value, record) -> what render() gives, from the box's markup worked out once (table_rows.FastRowsMixin)."""
        template = checkbox_template(self, bound_column)
        if template is None:
            return lambda value, record: str(self.render(value, bound_column, record))
        (start, rest), end = template[0].split("<input ", 1), template[1]
        return lambda value, record: (f'{start}<input aria-label="Select {escape_text(str(self.label(record)))}" '
                                      f"{rest}{escape_text(str(value))}{end}")


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
