"""Set-based writes for imported rows: insert the new ones, update the known ones where the file knows better.

An import knows less than the tenant sync: it must not blank what the sync found, so an
update keeps the stored value wherever the file has none (NULL in the staging table).
"""

from django.db import connection
from django.db.models import Value

from coe_portal.core.bulk import copy_rows, merge

__all__ = ["insert_new", "update_known"]


def _fallback(field):
    if field.has_db_default() and not field.has_default():
        default = field.db_default
        return default.value if isinstance(default, Value) else default
    return field.get_default()  # "" for a text field without a default


def _insert_fields(model, names):
    """The fields an INSERT must carry: those given, and NOT NULL ones the database has no default for."""
    extra = [f.name for f in model._meta.concrete_fields
             if not f.primary_key and not f.null and not f.has_db_default() and f.name not in names]
    return [*names, *extra]


def insert_new(model, rows, key):
    """Insert the `rows` (dicts) whose `key` is not stored yet; return {key: pk} of those inserted."""
    if not rows:
        return {}
    names = _insert_fields(model, list(dict.fromkeys(name for row in rows for name in row)))
    fields = {name: model._meta.get_field(name) for name in names}
    complete = []
    for row in rows:
        values = {name: row.get(name) for name in names}
        for name, value in values.items():
            if value is None and not fields[name].null:
                values[name] = _fallback(fields[name])
        complete.append(values)
    return merge(model, complete, key, [name for name in names if name != key], insert_only=True)


def update_known(model, rows, key, names):
    """Write `names` of stored rows matched on `key`, keeping stored values where a row has None."""
    if not rows:
        return {}
    table = model._meta.db_table
    columns = [model._meta.get_field(name).column for name in [key, *names]]
    stage = f"_import_{table}"
    column_list = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{stage}"')
        cursor.execute(f'CREATE TEMP TABLE "{stage}" ON COMMIT DROP AS '
                       f'SELECT {column_list} FROM "{table}" WITH NO DATA')
    copy_rows(stage, columns, ([row.get(name) for name in [key, *names]] for row in rows))
    key_column, *others = columns
    sets = ", ".join(f'"{c}" = COALESCE(s."{c}", t."{c}")' for c in others) or f'"{key_column}" = t."{key_column}"'
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" AS t SET {sets} FROM "{stage}" AS s '
                       f'WHERE t."{key_column}" = s."{key_column}" RETURNING t."{key_column}", t.id')
        return dict(cursor.fetchall())
