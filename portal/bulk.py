"""Bulk loading with PostgreSQL ``COPY``: rows as dicts of column attributes, written in
one round trip, with primary keys handed out by the table's own sequence."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """Take ``count`` primary keys from the table's sequence (never reused, as inserts are)."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', '{pk}')) "
            "FROM generate_series(1, %s)", [count])
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write ``rows`` (values in the order of ``columns``, field attnames) into the model's
    table with ``COPY``; return how many were written."""
    meta = model._meta
    names = [meta.get_field(c).column if c != "pk" else meta.pk.column  # type: ignore[union-attr]
             for c in columns]
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(_text(v) for v in row))
        buffer.write("\n")
        count += 1
    if count:
        buffer.seek(0)
        column_list = ", ".join(f'"{name}"' for name in names)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(  # the psycopg2 cursor under Django's wrapper
                f'COPY "{meta.db_table}" ({column_list}) FROM STDIN', buffer)
    return count
