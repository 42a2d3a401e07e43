import django_tables2 as tables

from .models import Plan

__all__ = ["PlanTable"]


class PlanTable(tables.Table):
    title = tables.Column(linkify=True)
    status = tables.TemplateColumn('<span class="badge {{ record.get_status_colour }}">'
                                   "{{ record.get_status_display }}</span>")
    owner = tables.Column(accessor="owner__username", verbose_name="Owner")

    class Meta:
        model = Plan
        fields = ("title", "kind", "status", "owner", "created", "updated", "completed")
        order_by = ("-created",)

    def value_status(self, record):
        return record.get_status_display()
