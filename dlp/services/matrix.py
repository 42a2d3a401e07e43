"""Read the inventory's items and connector usages into numpy arrays with binary COPY.

An item is keyed by a signed integer: an app by its id, a flow by minus its id, so apps and
flows share one array. Binary COPY of integer columns has a fixed row width, so numpy reads
it in place: a million usages arrive in a fraction of a second.
"""

from dataclasses import dataclass

import numpy as np
from django.db import connection

__all__ = ["Items", "load"]

HEADER = 19  # PGCOPY signature (11), flags (4), header extension length (4)


def _dtype(columns):
    fields = [("count", ">i2")]
    for index in range(columns):
        fields += [(f"len{index}", ">i4"), (f"v{index}", ">i8")]
    return np.dtype(fields)


def copy_ints(sql, params, columns):
    """Run `sql` (bigint columns, never NULL) through binary COPY; return one int64 array per column."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", params) as copy:
            data = b"".join(bytes(chunk) for chunk in copy)
    dtype = _dtype(columns)
    body = data[HEADER:len(data) - 2] if len(data) > HEADER else b""
    rows = np.frombuffer(body, dtype=dtype)
    return [rows[f"v{index}"].astype(np.int64) for index in range(columns)]


@dataclass
class Items:
    """Items (sorted by key) and their distinct connector usages (sorted by item, then connector)."""

    keys: np.ndarray
    env: np.ndarray
    maker: np.ndarray
    u_item: np.ndarray  # index into keys
    u_conn: np.ndarray  # connector id

    def __len__(self):
        return len(self.keys)


ITEMS_SQL = """
SELECT a.id::bigint, a.environment_id::bigint, COALESCE(a.owner_id, 0)::bigint
FROM inventory_app a WHERE a.deleted_at IS NULL {apps}
UNION ALL
SELECT -f.id::bigint, f.environment_id::bigint, COALESCE(f.creator_id, 0)::bigint
FROM inventory_flow f WHERE f.deleted_at IS NULL {flows}
"""
USAGES_SQL = """
SELECT u.app_id::bigint, u.connector_id::bigint FROM inventory_connectorusage u WHERE u.app_id IS NOT NULL {apps}
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
