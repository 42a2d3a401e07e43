"""A maker's own apps and flows as their page lists them: filtered, searched, sorted, each with its reasons.

A maker has tens of items, at most a few hundred: both kinds are read (up to LIMIT each), joined and
sorted in Python, and the reasons of the DLP breaks are worked out for the rows listed only.
"""

from dataclasses import dataclass, field

from dlp.choices import ItemStatus
from dlp.services import lookup, reasons
from inventory.choices import MIGRATION_GROUPS

from .requests import item_key, my_items
from .status import migration_status

__all__ = ["LIMIT", "Row", "SORTS", "maker_rows"]

LIMIT = 500  # of each kind; more than this is a CoE admin's inventory, not a maker's page
SORTS = {
    "name": lambda row: row.item.display_name.lower(),
    "kind": lambda row: (row.kind, row.item.display_name.lower()),
    "environment": lambda row: (row.item.environment.display_name.lower(), row.item.display_name.lower()),
    "recommendation": lambda row: (row.item.recommendation or "~", row.item.display_name.lower()),
    "dlp": lambda row: (-row.dlp, row.item.display_name.lower()),
    "migration": lambda row: (row.item.migration_status or "~", row.item.display_name.lower()),
    "modified": lambda row: (row.item.modified_time.timestamp() if row.item.modified_time else 0),
}


@dataclass
class Row:
    """One of the maker's items with what the page says about it."""

    kind: str
    item: object
    migration: object = None  # the RequestItem of its latest request
    dlp: int = ItemStatus.OK
    dlp_breaks: list = field(default_factory=list)

    @property
    def dlp_label(self):
        return ItemStatus(self.dlp).label

    @property
    def state(self):
        if self.kind == "app":
            return self.item.get_quarantine_status_display()
        return self.item.get_state_display()

    @property
    def can_request(self):
        return self.migration is None or self.migration.request.state in ("rejected", "cancelled")


def _filtered(queryset, filters):
    if filters.get("q"):
        queryset = queryset.filter(display_name__icontains=filters["q"])
    if filters.get("recommendation"):
        queryset = queryset.filter(recommendation=filters["recommendation"])
    migration = filters.get("migration")
    if migration == "none":
        queryset = queryset.filter(migration_status="")
    elif migration:
        queryset = queryset.filter(migration_status__in=MIGRATION_GROUPS[migration])
    dlp = filters.get("dlp")
    if dlp == "ok":
        queryset = queryset.exclude(dlp_status__in=[ItemStatus.BROKEN, ItemStatus.EXEMPT])
    elif dlp:
        queryset = queryset.filter(dlp_status=ItemStatus.BROKEN if dlp == "broken" else ItemStatus.EXEMPT)
    return queryset


def maker_rows(user, filters, runs=None):
    """([Row], truncated) of the user's own items matching `filters` (a filter form's cleaned data), sorted.

    `sort` is a key of SORTS, "-" first for descending.
    """
    runs = runs or lookup.impact_runs()
    apps, flows = my_items(user)
    kinds = [("app", apps), ("flow", flows)]
    if filters.get("kind"):
        kinds = [(kind, items) for kind, items in kinds if kind == filters["kind"]]
    rows, truncated = [], False
    for kind, items in kinds:
        found = list(_filtered(lookup.item_status(items, runs), filters)[:LIMIT])
        truncated |= len(found) == LIMIT
        moved = migration_status(kind, [item.pk for item in found])
        rows += [Row(kind, item, moved.get(item.pk), item.dlp_status or ItemStatus.OK) for item in found]
    broken = reasons.breaks([item_key(row.item) for row in rows if row.dlp == ItemStatus.BROKEN])
    for row in rows:
        row.dlp_breaks = broken.get(item_key(row.item), [])
    sort = filters.get("sort") or "name"
    rows.sort(key=SORTS[sort.lstrip("-")], reverse=sort.startswith("-"))
    return rows, truncated
