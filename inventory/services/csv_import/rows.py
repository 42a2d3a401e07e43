"""Set-based writes for imported rows: insert the new ones, update the known ones where the file knows better.

Precedence: an import knows less than the tenant sync. It never blanks a stored value (the
file has none: NULL in the staging table), and on a row a sync has written (`synced_column`
set) it only fills what is still empty: the sync's facts win, and the rows where the file
said otherwise are counted as left alone.
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


TEXT = ("CharField", "TextField", "EmailField", "URLField")


def _empty(field, column):
    """SQL: the stored value is missing: NULL, or '' for free text ('' is a value of a choice, such as
    "not quarantined")."""
    test = f't."{column}" IS NULL'
    return f"{test} OR t.\"{column}\" = ''" if field.get_internal_type() in TEXT and not field.choices else test


def update_known(model, rows, key, names, synced_column=None):
    """Write `names` of stored rows matched on `key`, keeping stored values where a row has None.

    With `synced_column`, rows the sync wrote (that column set) take a value only where theirs is
    empty. Returns ({key: pk} of the rows matched, number of synced rows where the file was overruled).
    """
    if not rows:
        return {}, 0
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
    fields = [model._meta.get_field(name) for name in names]
    synced = f't."{synced_column}" IS NOT NULL' if synced_column else "FALSE"
    sets, overruled = [], []
    for field, c in zip(fields, others, strict=True):
        empty = _empty(field, c)
        sets.append(f'"{c}" = CASE WHEN {synced} AND NOT ({empty}) THEN t."{c}" ELSE COALESCE(s."{c}", t."{c}") END')
        overruled.append(f'(NOT ({empty}) AND s."{c}" IS NOT NULL AND s."{c}" IS DISTINCT FROM t."{c}")')
    sets = ", ".join(sets) or f'"{key_column}" = t."{key_column}"'
    # RETURNING sees the row as updated: whether the sync's value overruled the file is read before.
    flag = f"({synced}) AND ({' OR '.join(overruled) or 'FALSE'})"
    with connection.cursor() as cursor:
        cursor.execute(f'WITH before AS (SELECT t."{key_column}" AS k, {flag} AS kept FROM "{table}" AS t '
                       f'JOIN "{stage}" AS s ON t."{key_column}" = s."{key_column}") '
                       f'UPDATE "{table}" AS t SET {sets} FROM "{stage}" AS s, before AS b '
                       f'WHERE t."{key_column}" = s."{key_column}" AND b.k = t."{key_column}" '
                       f'RETURNING t."{key_column}", t.id, b.kept')
        found = cursor.fetchall()
    return {k: pk for k, pk, _ in found}, sum(1 for *_, kept in found if kept)
