"""Binary COPY of fixed-width integer rows straight from numpy arrays (no Python loop per row)."""

import numpy as np
from django.db import connection

__all__ = ["copy_binary"]

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # signature, flags, header extension length
TRAILER = b"\xff\xff"
TYPES = {"int8": ">i8", "int2": ">i2", "bool": "?"}


def copy_binary(table, columns):
    """COPY rows into `table`; `columns` is [(column, "int8" | "int2" | "bool", array)], no NULLs."""
    rows = len(columns[0][2]) if columns else 0
    if not rows:
        return 0
    fields = [("count", ">i2")]
    for index, (_, kind, _) in enumerate(columns):
        fields += [(f"l{index}", ">i4"), (f"v{index}", TYPES[kind])]
    record = np.empty(rows, dtype=np.dtype(fields))
    record["count"] = len(columns)
    for index, (_, kind, values) in enumerate(columns):
        record[f"l{index}"] = np.dtype(TYPES[kind]).itemsize
        record[f"v{index}"] = values
    names = ", ".join(f'"{name}"' for name, _, _ in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN (FORMAT binary)') as copy:
            copy.write(HEADER + record.tobytes() + TRAILER)
    return rows
