"""Recommendations: every app and flow gets a disposition and its reasons, in one UPDATE per model.

The criteria are seed 000's (why an item should leave the default environment) plus the
clean-up ones (unused, orphaned); the thresholds are TriageSettings an admin edits.

"Unused" comes from usage data only (the usage app: launches, runs), never from modification
dates: an item is unused for N days when no use is known in N days *and* every use in those N
days would be known (Used.unused_for says the same in Python). An item used within the inactive
threshold is never suggested for quarantine or deletion; where usage is unknown the
recommendation holds back and says so (usage_unknown). An orphaned item is not cleaned up for
that alone: it is flagged, and quarantined only when it is also unused.
"""

from django.conf import settings
from django.db import connection

from ..models import TriageSettings
from .sync_writes import EXCEL_CONNECTORS

__all__ = ["recompute"]

# Flag columns -> the disposition, in order of precedence.
DISPOSITION = """
    CASE WHEN f.long_inactive THEN 'delete'
         WHEN f.inactive THEN 'quarantine'
         WHEN f.is_default AND (f.shared_widely OR f.excel_data OR f.heavy_sharepoint OR f.custom_connector)
              THEN 'migrate'
         ELSE 'keep' END
"""
REASONS = """
    concat_ws(',', CASE WHEN f.shared_widely THEN 'shared_widely' END, CASE WHEN f.excel_data THEN 'excel_data' END,
              CASE WHEN f.heavy_sharepoint THEN 'heavy_sharepoint' END,
              CASE WHEN f.custom_connector THEN 'custom_connector' END,
              CASE WHEN f.long_inactive THEN 'long_inactive' WHEN f.inactive THEN 'inactive' END,
              CASE WHEN f.usage_unknown THEN 'usage_unknown' END,
              CASE WHEN f.orphaned THEN 'orphaned' END)
"""


def usage_flags(alias, last_used):
    """inactive, long_inactive and usage_unknown columns for items `alias` whose last use is `last_used`."""
    def unused(days):
        return (f"(NOT coalesce({last_used} >= now() - make_interval(days => {days}), false)"
                f" AND coalesce({alias}.usage_known_since <= now() - make_interval(days => {days}), false)"
                f" AND coalesce({alias}.usage_checked_time >= now() - make_interval(hours => %(stale)s), false)"
                f" AND coalesce({alias}.created_time <= now() - make_interval(days => {days}), true))")
    used = f"coalesce({last_used} >= now() - make_interval(days => %(inactive)s), false)"
    old = f"coalesce({alias}.created_time <= now() - make_interval(days => %(inactive)s), true)"
    return (f"{unused('%(inactive)s')} AS inactive, {unused('%(delete)s')} AS long_inactive, "
            f"(NOT {used} AND {old} AND NOT {unused('%(inactive)s')}) AS usage_unknown")

APP_FLAGS = f"""
    SELECT a.id, e.is_default,
           a.shared_users_count >= %(shared)s AS shared_widely,
           a.uses_excel AS excel_data,
           a.uses_sharepoint_list AND a.shared_users_count >= %(sharepoint)s AS heavy_sharepoint,
           a.uses_custom_connector AS custom_connector,
           {usage_flags("a", "a.last_launched_time")},
           (m.id IS NULL OR coalesce(m.is_disabled, false) OR m.is_deleted_in_entra) AS orphaned
    FROM inventory_app a JOIN inventory_environment e ON e.id = a.environment_id
    LEFT JOIN inventory_maker m ON m.id = a.owner_id
    WHERE a.deleted_at IS NULL
"""
USES = """EXISTS (SELECT 1 FROM inventory_connectorusage u JOIN inventory_connector c ON c.id = u.connector_id
                  WHERE u.flow_id = w.id AND {condition})"""
FLOW_FLAGS = f"""
    SELECT w.id, e.is_default,
           false AS shared_widely,
           {USES.format(condition="c.connector_id = ANY(%(excel)s)")} AS excel_data,
           {USES.format(condition="c.connector_id = 'shared_sharepointonline'")} AS heavy_sharepoint,
           {USES.format(condition="c.is_custom")} AS custom_connector,
           {usage_flags("w", "w.last_run_time")},
           (m.id IS NULL OR coalesce(m.is_disabled, false) OR m.is_deleted_in_entra) AS orphaned
    FROM inventory_flow w JOIN inventory_environment e ON e.id = w.environment_id
    LEFT JOIN inventory_maker m ON m.id = w.creator_id
    WHERE w.deleted_at IS NULL
"""
UPDATE = """
    UPDATE {table} AS t SET recommendation = r.rec, recommendation_reasons = r.reasons
    FROM (SELECT f.id, {disposition} AS rec, {reasons} AS reasons FROM ({flags}) f) r
    WHERE t.id = r.id AND (t.recommendation, t.recommendation_reasons) IS DISTINCT FROM (r.rec, r.reasons)
"""


def recompute():
    """Recompute every live app's and flow's recommendation; return {"apps": changed, "flows": changed}."""
    config = TriageSettings.load()
    params = {"shared": config.shared_users_threshold, "sharepoint": config.sharepoint_shared_threshold,
              "inactive": config.inactive_days, "delete": config.delete_after_days, "excel": sorted(EXCEL_CONNECTORS),
              "stale": settings.USAGE_STALE_AFTER_HOURS}
    changed = {}
    with connection.cursor() as cursor:
        for name, table, flags in (("apps", "inventory_app", APP_FLAGS), ("flows", "inventory_flow", FLOW_FLAGS)):
            cursor.execute(UPDATE.format(table=table, disposition=DISPOSITION, reasons=REASONS, flags=flags), params)
            changed[name] = cursor.rowcount
    return changed
