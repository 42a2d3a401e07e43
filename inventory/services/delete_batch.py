"""Delete-only batches from an uploaded CSV of app and flow ids: strict parsing, a preview, a typed confirmation.

The file has a header row naming an id column (`id`, `app id`, `flow id`, `resource id`) and
optionally an `environment id` and a `kind` (app or flow) column. Any malformed line refuses
the whole file, naming the line and column; nothing is recorded. A good file becomes a pending
JobRun holding the items to delete; it runs only once an admin types `DELETE <count>`.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.db import transaction

from coe_portal.core.choices import JobStatus
from coe_portal.core.models import JobRun

from ..choices import CleanupMode
from ..models import App, CleanupCase, Flow
from . import cleanup_jobs
from .csv_import.errors import CsvImportError

__all__ = ["BatchFile", "confirm_batch", "expected_phrase", "parse_ids", "plan_batch"]

KIND = "cleanup.delete_batch"
MAX_ROWS = 50_000
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ENVIRONMENT = re.compile(rf"(default-)?{GUID.pattern}")
HEADERS = {
    "id": {"id", "app id", "appid", "app_id", "flow id", "flowid", "flow_id", "resource id", "item id"},
    "environment": {"environment id", "environmentid", "environment_id", "environment", "env id"},
    "kind": {"kind", "type", "resource type"},
}


@dataclass
class BatchFile:
    """The rows of a parsed file: (line, id, environment id or "", kind or "")."""

    rows: list = field(default_factory=list)


def _columns(header):
    names = [name.strip().lower() for name in header]
    found = {}
    for number, name in enumerate(names, start=1):
        role = next((role for role, aliases in HEADERS.items() if name in aliases), None)
        if role is None:
            raise CsvImportError.at(1, f"unknown column {header[number - 1]!r}: expected an id column, and "
                                       "optionally 'environment id' and 'kind'", column=number)
        if role in found:
            raise CsvImportError.at(1, f"two {role} columns", column=number)
        found[role] = number - 1
    if "id" not in found:
        raise CsvImportError.at(1, "no id column: name one 'id', 'app id' or 'flow id'")
    return found, header


def _cell(row, columns, header, role, line, pattern, what):
    if role not in columns:
        return ""
    index = columns[role]
    value = row[index].strip().lower()
    if role != "id" and not value:  # environment and kind are optional on every line
        return ""
    if not pattern.fullmatch(value):
        raise CsvImportError.at(line, f"{value!r} is not {what}", column=index + 1, column_name=header[index])
    return value


def parse_ids(upload):
    """Read the uploaded file strictly; a BatchFile, or CsvImportError naming line and column."""
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvImportError(f"the file is not UTF-8 text (byte {exc.start})") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise CsvImportError.at(1, "the file is empty") from exc
    columns, header = _columns(header)
    parsed = BatchFile()
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise CsvImportError.at(line, f"{len(row)} columns where the header has {len(header)}",
                                        column=min(len(row), len(header)) + 1)
            item_id = _cell(row, columns, header, "id", line, GUID, "an app or flow id (a GUID)")
            environment = _cell(row, columns, header, "environment", line, ENVIRONMENT, "an environment id")
            kind = _cell(row, columns, header, "kind", line, re.compile("app|flow"), "app or flow")
            parsed.rows.append((line, item_id, environment, kind))
            if len(parsed.rows) > MAX_ROWS:
                raise CsvImportError.at(line, f"more than {MAX_ROWS} rows: split the file")
    except csv.Error as exc:
        raise CsvImportError.at(reader.line_num, f"not valid CSV ({exc})") from exc
    if not parsed.rows:
        raise CsvImportError.at(2, "no ids after the header")
    return parsed


def _lookup(model, key, ids):
    rows = model.objects.filter(**{f"{key}__in": ids}).values_list(key, "pk", "environment__env_id", "deleted_at")
    found = {}
    for item_id, pk, env_id, deleted_at in rows:
        found.setdefault(item_id.lower(), []).append((pk, env_id.lower(), deleted_at))
    return found


def plan_batch(parsed, user, reason, filename=""):
    """Match the ids to the inventory and record the pending job that the preview shows; the JobRun."""
    if not reason.strip():
        raise ValueError("Give the reason for deleting without a backup.")
    ids = sorted({item_id for _, item_id, _, _ in parsed.rows})
    known = {"app": _lookup(App, "app_id", ids), "flow": _lookup(Flow, "flow_id", ids)}
    chosen, unknown, gone = {"app": set(), "flow": set()}, [], []
    for line, item_id, environment, kind in parsed.rows:
        kinds = [kind] if kind else ["app", "flow"]
        matches = [(k, pk, deleted) for k in kinds for pk, env_id, deleted in known[k].get(item_id, [])
                   if not environment or env_id == environment]
        if not matches:
            unknown.append({"line": line, "id": item_id, "environment": environment})
        for k, pk, deleted in matches:
            if deleted:
                gone.append({"line": line, "id": item_id, "kind": k})
            else:
                chosen[k].add(pk)
    busy = {k: set(CleanupCase.objects.filter(stage__in=cleanup_jobs.OPEN, **{f"{k}__in": pks}).values_list(
        f"{k}_id", flat=True)) for k, pks in chosen.items()}
    items = {k: sorted(pks - busy[k]) for k, pks in chosen.items()}
    job = cleanup_jobs.create_job(KIND, user, CleanupMode.DELETE_ONLY, reason=reason, items=items)
    job.result.update(unknown=unknown, already_deleted=gone, in_cleanup=sum(len(b) for b in busy.values()),
                      count=sum(len(pks) for pks in items.values()), file=filename, confirmed=False)
    job.save(update_fields=["result"])
    return job


def expected_phrase(job):
    return f"DELETE {job.result.get('count', 0)}"


def confirm_batch(job, typed, override=False):
    """Start the batch if `typed` is the phrase; False (nothing done) otherwise or if it already started.

    `override`: the admin chose to delete items in use too (usage_guard); without it the job leaves them out.
    """
    if typed.strip() != expected_phrase(job) or not job.result.get("count"):
        return False
    with transaction.atomic():
        confirmed = {**job.result, "confirmed": True, "override": override}
        if not JobRun.objects.filter(pk=job.pk, status=JobStatus.PENDING, result__confirmed=False).update(
                result=confirmed):
            return False
        job.result = confirmed
        cleanup_jobs.queue_job(job)
    return True
