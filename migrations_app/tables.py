import django_tables2 as tables

from coe_portal.core.tables import SelectColumn

from .models import MigrationRequest, Plan
from .services.requests import conflicts_for

__all__ = ["MigrationRequestTable", "PlanTable"]


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


# Migration requests (issue 7)

class MigrationRequestTable(tables.Table):
    """The admin queue: tick requests to approve, reject or put in a wave."""

    select = SelectColumn(accessor="pk", attrs={"input": {"form": "bulk-decide", "name": "pk"},
                                                "th__input": {"data-select-all": "1"}},
                          label=lambda record: f"request {record.pk}")
    id = tables.Column(linkify=True, verbose_name="Request")
    requested_by = tables.Column(accessor="requested_by__username", verbose_name="Maker")
    items = tables.Column(empty_values=(), orderable=False, verbose_name="Items")
    target = tables.Column(accessor="target__display_name", verbose_name="Target")
    state = tables.TemplateColumn('<span class="badge {{ record.get_state_colour }}" data-state="{{ record.state }}">'
                                  "{{ record.get_state_display }}</span>")
    wave = tables.Column(linkify=True)
    conflicts = tables.Column(empty_values=(), orderable=False, verbose_name="Conflicts")

    export_exclude = ("select",)

    class Meta:
        model = MigrationRequest
        fields = ("select", "id", "requested_by", "items", "target", "state", "wave", "preferred_from",
                  "preferred_to", "conflicts", "created")
        order_by = ("-created",)

    def render_items(self, record):
        return ", ".join(str(row.item) for row in record.items.all())

    def render_conflicts(self, record):
        return "; ".join(self._conflicts().get(record.pk, ())) or "None"

    def _conflicts(self):
        """Conflicts of the rows shown (the page, or every row of a CSV export), computed once in bulk."""
        if not hasattr(self, "_conflicts_by_request"):
            page = getattr(self, "page", None)
            records = [row.record for row in page.object_list] if page else list(self.data)
            self._conflicts_by_request = conflicts_for(records)
        return self._conflicts_by_request

    def value_conflicts(self, record):
        return self.render_conflicts(record)

    def value_state(self, record):
        return record.get_state_display()
