import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from coe_portal.core.tables import SelectColumn

from .models import ImpactItem, Policy

__all__ = ["ImpactItemTable", "PolicyTable"]


class PolicyTable(tables.Table):
    display_name = tables.LinkColumn("dlp:policy", args=[tables.A("pk")], verbose_name="Policy")
    replaces = tables.Column(verbose_name="Replaces")

    class Meta:
        model = Policy
        fields = ("display_name", "is_draft", "replaces", "scope", "default_group", "modified_time", "deleted_at")


class ImpactItemTable(tables.Table):
    """Impacted items; `explained` ({item key: [Explained]}) and `names` are set for the page on screen."""

    # Each box named "Select <item>" (the app or flow is select_related: no query per row).
    select = SelectColumn(accessor="pk", attrs={"td__input": {"name": "pk", "form": "bulk"}},
                          exclude_from_export=True, label=lambda record: str(record.item))
    kind = tables.Column(accessor="pk", verbose_name="Kind", orderable=False, exclude_from_export=True)
    item = tables.Column(accessor="pk", verbose_name="Name", orderable=False)
    environment = tables.Column(accessor="environment__display_name", verbose_name="Environment")
    maker = tables.Column(accessor="maker__display_name", verbose_name="Maker", default="—")
    department = tables.Column(accessor="maker__department", verbose_name="Department", default="—")
    change = tables.Column()
    violations = tables.Column(accessor="pk", verbose_name="Violations (policy: rule, connectors)", orderable=False,
                               exclude_from_export=True)

    targets = tables.Column(accessor="pk", verbose_name="Could move to", orderable=False, exclude_from_export=True)

    class Meta:
        model = ImpactItem
        fields = ("select", "kind", "item", "environment", "maker", "department", "change", "current", "proposed",
                  "violations", "targets")
        order_by = ("id",)

    explained, names, policies, suggested = {}, {}, {}, {}

    def render_kind(self, record):
        return record.kind

    def render_item(self, record):
        return str(record.item)

    def render_change(self, record):
        colours = {1: "red", 2: "green", 3: "grey", 4: "blue"}
        return format_html('<span class="badge {}">{}</span>', colours[record.change], record.get_change_display())

    def render_violations(self, record):
        key = record.app_id or -record.flow_id
        rows = [(v, self._describe(v)) for v in self.explained.get(key, [])]
        return format_html_join("", '<div class="violation{}">{}</div>',
                                ((" exempt" if v.exempt else "", text) for v, text in rows)) or "—"

    def render_targets(self, record):
        if record.proposed != 2:  # only broken items need somewhere else to go
            return "—"
        fits = [env for env in self.suggested.get(record.app_id or -record.flow_id, [])
                if env.pk != record.environment_id]
        names = ", ".join(str(env) for env in fits[:3])
        return names + (f" and {len(fits) - 3} more" if len(fits) > 3 else "") if fits else "nowhere without a change"

    def _describe(self, v):
        def names(ids):
            return ", ".join(self.names.get(i, str(i)) for i in ids)

        where = "" if v.proposed else " (current only)"
        policy = self.policies.get(v.policy_id, v.policy_id)
        if v.rule == "blocked":
            text = f"{policy}{where}: blocked connector {names(v.blocked)}"
        elif v.rule == "action":
            text = f"{policy}{where}: action {v.detail} of {names(v.blocked)} is blocked (connector action rule)"
        elif v.rule == "endpoint":
            text = f"{policy}{where}: endpoint {v.detail} of {names(v.blocked)} is denied (endpoint filtering rule)"
        else:
            text = f"{policy}{where}: business {names(v.business)} with non-business {names(v.non_business)}"
        return text + (" — exempt" if v.exempt else "")
