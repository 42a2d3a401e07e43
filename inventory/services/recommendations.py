"""Recommendations: every app and flow gets a disposition and its reasons, in one UPDATE per model.

The criteria are seed 000's (why an item should leave the default environment) plus the
clean-up ones (inactive, orphaned); the thresholds are TriageSettings an admin edits.
"""

from django.db import connection

from ..models import TriageSettings
from .sync_writes import EXCEL_CONNECTORS

__all__ = ["recompute"]

# Flag columns -> the disposition, in order of precedence.
DISPOSITION = """
    CASE WHEN f.long_inactive THEN 'delete'
         WHEN f.inactive OR f.orphaned THEN 'quarantine'
         WHEN f.is_default AND (f.shared_widely OR f.excel_data OR f.heavy_sharepoint OR f.custom_connector)
              THEN 'migrate'
         ELSE 'keep' END
"""
REASONS = """
    concat_ws(',', CASE WHEN f.shared_widely THEN 'shared_widely' END, CASE WHEN f.excel_data THEN 'excel_data' END,
              CASE WHEN f.heavy_sharepoint THEN 'heavy_sharepoint' END,
              CASE WHEN f.custom_connector THEN 'custom_connector' END,
              CASE WHEN f.long_inactive THEN 'long_inactive' WHEN f.inactive THEN 'inactive' END,
              CASE WHEN f.orphaned THEN 'orphaned' END)
"""
APP_FLAGS = """
    SELECT a.id, e.is_default,
           a.shared_users_count >= %(shared)s AS shared_widely,
           a.uses_excel AS excel_data,
           a.uses_sharepoint_list AND a.shared_users_count >= %(sharepoint)s AS heavy_sharepoint,
           a.uses_custom_connector AS custom_connector,
           coalesce(greatest(a.modified_time, a.last_launched_time) < now() - make_interval(days => %(inactive)s),
                    false) AS inactive,
           coalesce(greatest(a.modified_time, a.last_launched_time) < now() - make_interval(days => %(delete)s),
                    false) AS long_inactive,
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
           coalesce(w.modified_time < now() - make_interval(days => %(inactive)s), false) AS inactive,
           coalesce(w.modified_time < now() - make_interval(days => %(delete)s), false) AS long_inactive,
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
              "inactive": config.inactive_days, "delete": config.delete_after_days, "excel": sorted(EXCEL_CONNECTORS)}
    changed = {}
    with connection.cursor() as cursor:
        for name, table, flags in (("apps", "inventory_app", APP_FLAGS), ("flows", "inventory_flow", FLOW_FLAGS)):
            cursor.execute(UPDATE.format(table=table, disposition=DISPOSITION, reasons=REASONS, flags=flags), params)
            changed[name] = cursor.rowcount
    return changed
