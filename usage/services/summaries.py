"""Copy the usage figures onto the inventory's apps, flows and agents, where lists filter and sort on them."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from ..models import UsageSource

__all__ = ["apps", "bots", "flows", "prune"]

KEEP_DAYS = 100  # a 90-day chart and "unused for 90 days" with room to spare
RECORD_IDS_KEPT = timedelta(days=10)  # the feed repeats a record within its 7 days of content
CONTENT_KEPT = timedelta(days=8)


def _analyze(cursor, *tables):
    """Fresh planner statistics: a sync's bulk writes outrun autovacuum, and with a freshly filled table
    estimated at one row PostgreSQL re-aggregates the day counts once per item (40 s for 4,000 apps)."""
    for table in tables:
        cursor.execute(f"ANALYZE {table}")


def apps():
    """Last launch, 30-day launches and users; usage known since the feed's coverage while the feed works."""
    feed = UsageSource.objects.filter(key="audit").first()
    working = feed is not None and feed.state == UsageSource.State.OK
    params = {"known": feed.covered_since if working else None, "checked": feed.last_success if feed else None,
              "read": bool(feed and feed.covered_since), "since": timezone.now().date() - timedelta(days=30)}
    with connection.cursor() as cursor:
        _analyze(cursor, "inventory_app", "usage_applaunchday")
        cursor.execute("""
            UPDATE inventory_app a SET
                last_launched_time = CASE WHEN s.last_at IS NULL THEN a.last_launched_time
                                          ELSE greatest(a.last_launched_time, s.last_at) END,
                launches_30d = CASE WHEN %(read)s THEN coalesce(s.launches, 0) END,
                unique_users_30d = CASE WHEN %(read)s THEN coalesce(s.users, 0) END,
                usage_known_since = %(known)s, usage_checked_time = %(checked)s,
                usage_source = CASE WHEN %(read)s THEN 'audit feed' ELSE '' END
            FROM inventory_app x LEFT JOIN (
                SELECT app_guid::text AS app_id, max(last_at) AS last_at,
                       sum(launches) FILTER (WHERE day >= %(since)s) AS launches,
                       count(DISTINCT user_key) FILTER (WHERE day >= %(since)s) AS users
                FROM usage_applaunchday GROUP BY app_guid) s ON s.app_id = lower(x.app_id)
            WHERE a.id = x.id AND x.deleted_at IS NULL""", params)


def flows(run_started):
    """Last run, success and failure, 30-day runs and failures; known since what the run history holds.

    A started flow this run did not read (its batch failed) has unknown usage until it is read again;
    a flow that is off cannot run, so it is known since it was turned off (its last modification).
    A batch reads through a whole second, so it counts as this run's from the second the run started.
    """
    params = {"started": run_started, "since": timezone.now().date() - timedelta(days=30), "now": timezone.now()}
    with connection.cursor() as cursor:
        _analyze(cursor, "inventory_flow", "usage_flowrunstate", "usage_flowrunday")
        cursor.execute("""
            UPDATE inventory_flow w SET
                last_run_time = d.last_run, last_success_time = d.last_success, last_failure_time = d.last_failure,
                runs_30d = CASE WHEN st.flow_guid IS NULL THEN NULL ELSE coalesce(d.runs, 0) END,
                failures_30d = CASE WHEN st.flow_guid IS NULL THEN NULL ELSE coalesce(d.failed, 0) END,
                usage_source = coalesce(st.source, ''),
                usage_checked_time = CASE WHEN st.flow_guid IS NOT NULL AND x.state <> 'Started' THEN %(now)s
                                          ELSE st.through END,
                usage_known_since = CASE
                    WHEN st.flow_guid IS NULL THEN NULL
                    WHEN x.state <> 'Started' THEN least(st.known_since, greatest(x.modified_time, st.through))
                    WHEN st.through < date_trunc('second', %(started)s) THEN NULL
                    ELSE st.known_since END
            FROM inventory_flow x
            LEFT JOIN usage_flowrunstate st ON st.flow_guid = x.flow_id
            LEFT JOIN (SELECT flow_guid, max(last_run) AS last_run, max(last_success) AS last_success,
                              max(last_failure) AS last_failure,
                              sum(runs) FILTER (WHERE day >= %(since)s) AS runs,
                              sum(failed) FILTER (WHERE day >= %(since)s) AS failed
                       FROM usage_flowrunday GROUP BY flow_guid) d ON d.flow_guid = x.flow_id
            WHERE w.id = x.id AND x.deleted_at IS NULL""", params)


def bots():
    since = timezone.now().date() - timedelta(days=30)
    with connection.cursor() as cursor:
        _analyze(cursor, "inventory_bot", "usage_agentconversationday")
        cursor.execute("""
            UPDATE inventory_bot b
            SET conversations_30d = coalesce(c.conversations, 0), last_conversation_time = c.last_at
            FROM inventory_bot x JOIN inventory_environment e ON e.id = x.environment_id
            JOIN usage_usagesource s ON s.key = 'conversations:' || e.env_id AND s.last_success IS NOT NULL
            LEFT JOIN (SELECT bot_guid, sum(conversations) FILTER (WHERE day >= %s) AS conversations,
                              max(last_at) AS last_at FROM usage_agentconversationday GROUP BY bot_guid) c
                 ON c.bot_guid = lower(x.bot_id)
            WHERE b.id = x.id""", [since])


def prune():
    """Drop day counts past what any page shows, and dedup records past the feed's reach."""
    now = timezone.now()
    oldest_day = now.date() - timedelta(days=KEEP_DAYS)
    with connection.cursor() as cursor:
        for table in ("usage_applaunchday", "usage_flowrunday", "usage_agentconversationday"):
            cursor.execute(f"DELETE FROM {table} WHERE day < %s", [oldest_day])
        cursor.execute("DELETE FROM usage_launchrecord WHERE seen_at < %s", [now - RECORD_IDS_KEPT])
        cursor.execute("DELETE FROM usage_auditcontent WHERE content_created < %s AND fetched_at IS NOT NULL",
                       [now - CONTENT_KEPT])
