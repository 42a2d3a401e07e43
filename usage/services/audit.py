"""App launches from the audit feed (usage-apis.md section 1), as steps of a `usage_audit` sync run.

Start: make sure the Audit.General subscription is on, then list the content made available since
the watermark (less an overlap, for content listed late) in windows of at most 24 hours within the
last 7 days. Each listing page records its blobs and schedules batches of them; a batch fetches its
blobs, counts each record once (by record Id) and adds the launches per app, day and user, in the
same transaction that stamps the blobs fetched. Finish: the watermark moves to where the run's
listing ended only when nothing failed.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from coe_portal.powerplatform.errors import ApiError

from ..models import AuditContent, UsageSource

__all__ = ["AUDIT", "STEPS", "finish", "source"]

AUDIT = "audit"
WINDOW = timedelta(hours=24)
MARGIN = timedelta(minutes=10)  # a listing's start must stay inside the feed's reach while it is sent
BLOB_BATCH = 16
LOST = {"AF20050", "AF20051"}  # content that does not exist, or expired after 7 days: never to be had


def source():
    return UsageSource.objects.get_or_create(key=AUDIT, defaults={"label": "Audit feed (app launches)"})[0]


def windows(start, end):
    """[start, end) cut into spans of at most 24 hours."""
    spans = []
    while start < end:
        spans.append((start, min(start + WINDOW, end)))
        start = spans[-1][1]
    return spans


def start(task, client):
    """Turn the subscription on if it is off, then schedule the listing of every window since the watermark."""
    from inventory.services.sync import schedule_many

    now = timezone.now()
    feed = source()
    if not client.audit_subscription_enabled():
        if client.start_audit_subscription():
            # Content starts from the subscription: nothing earlier can be read (and the first may take 12 h).
            feed.subscribed_at, feed.covered_since = now, None
            feed.save(update_fields=["subscribed_at", "covered_since"])
    floor = now - timedelta(days=settings.USAGE_AUDIT_REACH_DAYS) + MARGIN
    overlap = timedelta(minutes=settings.USAGE_AUDIT_OVERLAP_MINUTES)
    begin = max(floor, feed.watermark - overlap) if feed.watermark else floor
    if feed.subscribed_at:
        begin = max(begin, feed.subscribed_at)
    task.args.update(begin=begin.isoformat(), end=now.isoformat())
    task.save(update_fields=["args"])
    schedule_many(task.run, [("usage_audit_list", {"start": s.isoformat(), "end": e.isoformat(), "url": None,
                                                   "page": 1}, f"usage_audit_list:{s.isoformat()}:1")
                             for s, e in windows(begin, now)])


def list_content(task, client):
    """One page of a window's listing: record its blobs, schedule those not yet read, follow NextPageUri."""
    from inventory.services.sync import schedule, schedule_many

    args = task.args
    url = args["url"] or client.audit_content_url(parse_datetime(args["start"]), parse_datetime(args["end"]))
    contents, next_url = client.audit_content_page(url)
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO usage_auditcontent (content_id, content_uri, content_created, records, launches, error)
            SELECT * FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::int[], %s::int[], %s::text[])
            ON CONFLICT (content_id) DO NOTHING""",
                       [[c.content_id for c in contents], [c.uri for c in contents], [c.created for c in contents],
                        [0] * len(contents), [0] * len(contents), [""] * len(contents)])
    pending = list(AuditContent.objects.filter(content_id__in=[c.content_id for c in contents], fetched_at=None)
                   .order_by("content_created", "content_id").values_list("pk", flat=True))
    schedule_many(task.run, [("usage_audit_blobs", {"blobs": pending[i:i + BLOB_BATCH]},
                              f"usage_audit_blobs:{args['start']}:{args['page']}:{i}")
                             for i in range(0, len(pending), BLOB_BATCH)])
    if next_url:
        return schedule(task.run, "usage_audit_list", {**args, "url": next_url, "page": args["page"] + 1},
                        key=f"usage_audit_list:{args['start']}:{args['page'] + 1}")
    return None


def read_blobs(task, client):
    """Fetch a batch of blobs and count their launches; a blob read before (another run) is skipped."""
    contents = list(AuditContent.objects.select_for_update(skip_locked=True)
                    .filter(pk__in=task.args["blobs"], fetched_at=None))

    def fetch(content):
        try:
            return content, client.audit_blob(content.content_uri), ""
        except ApiError as exc:
            if exc.code in LOST:
                return content, None, f"{exc.code}: {exc}"[:500]
            raise

    with ThreadPoolExecutor(max_workers=min(8, client.max_concurrency)) as pool:
        results = list(pool.map(fetch, contents))
    _count([launch for _, parsed, _ in results if parsed for launch in parsed[1]])
    now = timezone.now()
    for content, parsed, error in results:
        content.fetched_at, content.error = now, error
        content.records, content.launches = (parsed[0], len(parsed[1])) if parsed else (0, 0)
    AuditContent.objects.bulk_update(contents, ["fetched_at", "error", "records", "launches"])
    # The run's figures (its blobs are pruned after 8 days, the task's record stays with the run).
    task.args.update(read=len(contents), records=sum(c.records for c in contents),
                     launches=sum(c.launches for c in contents))
    task.save(update_fields=["args"])
    lost = [error for _, _, error in results if error]
    if lost:
        task.run.add_error(task=task.key, error=f"{len(lost)} blob(s) could not be read: {lost[0]}")


def _count(launches):
    """Add launches not counted before (by record id) to the per app, day and user counts."""
    if not launches:
        return
    # CreationTime is UTC without a zone (usage-apis.md 1.4): read as such whatever the session's zone.
    text = "".join(f"{launch.record_id}\t{launch.app_guid}\t{launch.user_key}\t{launch.time}\n" for launch in launches)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS usage_incoming_text "
                       "(record_id uuid, app_guid uuid, user_key text, at timestamp) ON COMMIT DELETE ROWS")
        with cursor.copy("COPY usage_incoming_text FROM STDIN") as copy:
            copy.write(text)
        cursor.execute("""
            WITH fresh AS (
                INSERT INTO usage_launchrecord (record_id, seen_at)
                SELECT DISTINCT ON (record_id) record_id, now() FROM usage_incoming_text
                ON CONFLICT (record_id) DO NOTHING RETURNING record_id)
            INSERT INTO usage_applaunchday (app_guid, day, user_key, launches, last_at)
            SELECT i.app_guid, i.at::date, i.user_key, count(*), max(i.at) AT TIME ZONE 'UTC'
            FROM (SELECT DISTINCT ON (record_id) * FROM usage_incoming_text) i JOIN fresh USING (record_id)
            GROUP BY 1, 2, 3
            ON CONFLICT (app_guid, day, user_key) DO UPDATE
            SET launches = usage_applaunchday.launches + excluded.launches,
                last_at = greatest(usage_applaunchday.last_at, excluded.last_at)""")
        cursor.execute("TRUNCATE usage_incoming_text")


def finish(run):
    """Move the watermark and the coverage when every listing and blob of the run was read."""
    feed = source()
    started = run.tasks.filter(name="usage_audit_start", done=True).first()
    failed = [error for error in run.errors]
    if started is None or "end" not in started.args or failed:
        feed.failed("; ".join(str(e.get("error", "")) for e in failed[:3]) or "the audit feed could not be read")
        feed.save()
        return
    begin, end = parse_datetime(started.args["begin"]), parse_datetime(started.args["end"])
    previous = feed.watermark
    if previous is None or begin > previous:  # a gap the feed no longer holds: coverage starts again
        feed.covered_since = begin
    elif feed.covered_since is None:
        feed.covered_since = begin
    feed.watermark = end
    feed.succeeded(at=end)
    feed.save()


STEPS = {"usage_audit_start": start, "usage_audit_list": list_content, "usage_audit_blobs": read_blobs}
