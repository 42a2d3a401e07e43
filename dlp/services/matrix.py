"""Read the inventory's items and connector usages into numpy arrays.

An item is keyed by a signed integer: an app by its id, a flow by minus its id, so apps and
flows share one array. Each column arrives as one array_send() value (a fixed stride per
element), which numpy reads in place: no Python object per row.
"""

import time
from dataclasses import dataclass

import numpy as np
from django.db import connection

__all__ = ["Items", "load", "load_cached", "load_subset", "with_features"]

ELEMENT = np.dtype([("length", ">i4"), ("value", ">i8")])


def _array(raw):
    """A bigint[] in array_send()'s format -> int64 array."""
    raw = bytes(raw or b"")
    if len(raw) < 20 or int.from_bytes(raw[:4], "big") == 0:  # NULL or an empty array (no dimensions)
        return np.zeros(0, np.int64)
    return np.frombuffer(raw[20:], dtype=ELEMENT)["value"].astype(np.int64)


def copy_ints(sql, params, columns):
    """Run `sql` (bigint columns c0, c1, ..., never NULL); return one int64 array per column."""
    select = ", ".join(f"array_send(array_agg(c{index}))" for index in range(columns))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM ({sql}) AS rows", params)
        return [_array(raw) for raw in cursor.fetchone()]


@dataclass
class Items:
    """Items (sorted by key) and their distinct connector usages (sorted by item, then connector)."""

    keys: np.ndarray
    env: np.ndarray
    maker: np.ndarray
    u_item: np.ndarray  # index into keys
    u_conn: np.ndarray  # connector id
    features: object = None  # engine.Features, for the connectors some policy has action or endpoint rules for

    def __len__(self):
        return len(self.keys)


ITEMS_SQL = """
SELECT a.id::bigint AS c0, a.environment_id::bigint AS c1, COALESCE(a.owner_id, 0)::bigint AS c2
FROM inventory_app a WHERE a.deleted_at IS NULL {apps}
UNION ALL
SELECT -f.id::bigint, f.environment_id::bigint, COALESCE(f.creator_id, 0)::bigint
FROM inventory_flow f WHERE f.deleted_at IS NULL {flows}
"""
USAGES_SQL = """
SELECT u.app_id::bigint AS c0, u.connector_id::bigint AS c1
FROM inventory_connectorusage u WHERE u.app_id IS NOT NULL {apps}
UNION ALL
SELECT -u.flow_id::bigint, u.connector_id::bigint FROM inventory_connectorusage u WHERE u.flow_id IS NOT NULL {flows}
"""
# Items that use one connector; the (connector, app) and (connector, flow) indexes answer it.
USING = {"apps": "AND {col} IN (SELECT app_id FROM inventory_connectorusage WHERE connector_id = %(connector)s)",
         "flows": "AND {col} IN (SELECT flow_id FROM inventory_connectorusage WHERE connector_id = %(connector)s)"}
LISTED = {"apps": "AND {col} = ANY(%(apps)s)", "flows": "AND {col} = ANY(%(flows)s)"}


def _filters(connector, keys):
    if connector is not None:
        return USING, {"connector": connector}
    if keys is not None:
        keys = np.asarray(keys, dtype=np.int64)
        return LISTED, {"apps": keys[keys > 0].tolist(), "flows": (-keys[keys < 0]).tolist()}
    return {"apps": "", "flows": ""}, {}


def load(connector=None, keys=None):
    """Load every live item, or only those using `connector`, or only the item `keys`."""
    filters, params = _filters(connector, keys)
    items_sql = ITEMS_SQL.format(apps=filters["apps"].format(col="a.id"), flows=filters["flows"].format(col="f.id"))
    usages_sql = USAGES_SQL.format(apps=filters["apps"].format(col="u.app_id"),
                                   flows=filters["flows"].format(col="u.flow_id"))
    keys_, env, maker = copy_ints(items_sql, params, 3)
    order = np.argsort(keys_, kind="stable")
    keys_, env, maker = keys_[order], env[order], maker[order]
    item, conn = copy_ints(usages_sql, params, 2)
    return Items(keys_, env, maker, *_index_usages(keys_, item, conn))


def _index_usages(keys, item, conn):
    """Map usages to item indexes, drop those of deleted items, dedupe and sort by (item, connector)."""
    if not len(keys) or not len(item):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    index = np.searchsorted(keys, item)
    index[index >= len(keys)] = 0
    known = keys[index] == item
    index, conn = index[known], conn[known]
    width = int(conn.max()) + 1 if len(conn) else 1
    pairs = np.unique(index * width + conn)
    return pairs // width, pairs % width


# A worker keeps the last full load while the inventory has not changed: the fingerprint is the
# highest ids and the tables' write counters (this transaction's included), and it expires anyway.
FINGERPRINT = """
SELECT (SELECT max(id) FROM inventory_connectorusage), (SELECT max(id) FROM inventory_app),
       (SELECT max(id) FROM inventory_flow),
       (SELECT sum(pg_stat_get_tuples_inserted(oid) + pg_stat_get_tuples_updated(oid)
                   + pg_stat_get_tuples_deleted(oid) + pg_stat_get_xact_tuples_inserted(oid)
                   + pg_stat_get_xact_tuples_updated(oid) + pg_stat_get_xact_tuples_deleted(oid))
          FROM pg_class WHERE relname IN ('inventory_connectorusage', 'inventory_app', 'inventory_flow'))
"""
CACHE_SECONDS = 300
_cache = {}


def load_cached():
    """Every live item, from this process's copy while the inventory is unchanged."""
    fingerprint = _fingerprint()
    cached = _fresh(fingerprint)
    if cached is not None:
        return cached
    items = load()
    _cache["items"] = (fingerprint, time.monotonic(), items)
    return items


def _fingerprint():
    with connection.cursor() as cursor:
        cursor.execute(FINGERPRINT)
        return (connection.settings_dict["NAME"], *cursor.fetchone())


def _fresh(fingerprint):
    cached = _cache.get("items")
    if cached and cached[0] == fingerprint and time.monotonic() - cached[1] < CACHE_SECONDS:
        return cached[2]
    return None


def select(items, connector=None, keys=None):
    """The items using `connector` (or with `keys`) and their usages, cut out of `items` without the database."""
    if connector is not None:
        chosen = np.zeros(len(items), dtype=bool)
        chosen[items.u_item[items.u_conn == connector]] = True
    else:
        chosen = np.isin(items.keys, np.asarray(list(keys), dtype=np.int64))
    index = np.flatnonzero(chosen)
    renumber = np.full(len(items), -1, dtype=np.int64)
    renumber[index] = np.arange(len(index))
    kept = chosen[items.u_item]
    return Items(items.keys[index], items.env[index], items.maker[index], renumber[items.u_item[kept]],
                 items.u_conn[kept])


# One row per (item, connector, operation or endpoint) for the connectors some policy has rules
# for; each text is numbered (dense_rank) so only integers cross the wire, plus the texts once.
FEATURES_SQL = """
SELECT COALESCE(u.app_id, -u.flow_id)::bigint AS key, u.connector_id::bigint AS conn, 0::bigint AS kind, v.value
FROM inventory_connectorusage u CROSS JOIN jsonb_array_elements_text(u.actions) AS v(value)
WHERE u.connector_id = ANY(%(connectors)s) AND u.actions <> '[]'::jsonb
UNION ALL
SELECT COALESCE(u.app_id, -u.flow_id)::bigint, u.connector_id::bigint, 1::bigint, v.value
FROM inventory_connectorusage u CROSS JOIN jsonb_array_elements_text(u.endpoints) AS v(value)
WHERE u.connector_id = ANY(%(connectors)s) AND u.endpoints <> '[]'::jsonb
"""
# Each text numbered once (a hash aggregate, no sort); the rows as arrays in array_send()'s format.
FEATURE_ARRAYS = f"""
WITH f AS MATERIALIZED ({FEATURES_SQL}),
     t AS MATERIALIZED (SELECT value, row_number() OVER () - 1 AS id FROM (SELECT DISTINCT value FROM f) d)
SELECT array_send(array_agg(f.key)), array_send(array_agg(f.conn)), array_send(array_agg(f.kind)),
       array_send(array_agg(t.id)), (SELECT array_agg(value ORDER BY id) FROM t)
FROM f JOIN t USING (value)
"""


def _feature_rows(connectors):
    """(keys, conn, kind, value, texts) for `connectors`, kept per process while the inventory is unchanged."""
    fingerprint = (_fingerprint(), connectors)
    cached = _cache.get("features")
    if cached and cached[0] == fingerprint and time.monotonic() - cached[1] < CACHE_SECONDS:
        return cached[2]
    with connection.cursor() as cursor:
        cursor.execute(FEATURE_ARRAYS, {"connectors": list(connectors)})
        *arrays, texts = cursor.fetchone()
    keys, conn, kind, value = (_array(raw) for raw in arrays)
    rows = (keys, conn, kind.astype(np.int8), value, list(texts or []))
    _cache["features"] = (fingerprint, time.monotonic(), rows)
    return rows


def with_features(items, connectors):
    """`items` with the operations and endpoints they use through `connectors` (those some policy has rules for).

    Read only for those connectors (a policy without such rules costs nothing), once per process
    while the inventory is unchanged; a subset of items takes its rows by key.
    """
    from .engine import Features

    connectors = tuple(sorted(set(connectors)))
    if not connectors or not len(items):
        keys, conn, kind, value, texts = (np.zeros(0, np.int64),) * 4 + ([],)
    else:
        keys, conn, kind, value, texts = _feature_rows(connectors)
    position = np.searchsorted(items.keys, keys) if len(items) else np.zeros(len(keys), np.int64)
    position[position >= len(items)] = 0
    known = items.keys[position] == keys if len(items) else np.zeros(len(keys), dtype=bool)
    return Items(items.keys, items.env, items.maker, items.u_item, items.u_conn, Features(
        item=position[known], conn=conn[known], kind=kind[known], value=value[known], values=texts))


def load_subset(connector=None, keys=None):
    """Like load(connector, keys), cut from this process's full copy when it is still current."""
    cached = _fresh(_fingerprint())
    if cached is not None:
        return select(cached, connector=connector, keys=keys)
    return load(connector=connector, keys=keys)
