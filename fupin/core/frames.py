"""Moving rows between the database and Polars frames without the ORM.

Heavy reads (exports, validation against the registry, comparisons, quality checks)
and heavy writes (the registry import) go through here: COPY on PostgreSQL, one cursor
on SQLite. Both run on the caller's connection, hence inside its transaction.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl
from django.db import connection

FETCH_ROWS = 100_000


def read_frame(
    sql: str, params: Sequence = (), schema: dict[str, pl.DataType] | None = None
) -> pl.DataFrame:
    """Run a SELECT and return its rows as a frame. With `schema`, columns are cast to
    it (names must match the SELECT's column names, in order)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Interpolate parameters client-side: COPY cannot take bind parameters.
            query = cursor.cursor.mogrify(sql, list(params))
            buffer = io.BytesIO()
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)") as cp:
                for chunk in cp:
                    buffer.write(chunk)
            buffer.seek(0)
            if buffer.getbuffer().nbytes == 0:
                cursor.execute(f"SELECT * FROM ({sql}) AS q LIMIT 0", list(params))  # noqa: S608
                return _empty([d[0] for d in cursor.description], schema)
            frame = pl.read_csv(
                buffer,
                infer_schema=False,  # every column as text; cast below
            )
        else:
            cursor.execute(sql, list(params))
            names = [d[0] for d in cursor.description]
            # In slices: a million rows as Python tuples would take gigabytes at once.
            parts = []
            while rows := cursor.fetchmany(FETCH_ROWS):
                parts.append(
                    pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
                )
            if not parts:
                return _empty(names, schema)
            frame = pl.concat(parts, how="vertical_relaxed") if len(parts) > 1 else parts[0]
    if schema:
        frame = frame.with_columns(
            _cast(pl.col(name), frame.schema[name], dtype) for name, dtype in schema.items()
        )
    return frame


def _cast(expr: pl.Expr, current: pl.DataType, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Boolean and current == pl.String:
        # PostgreSQL's CSV writes booleans as t/f.
        return expr.replace_strict({"t": True, "f": False, "1": True, "0": False}).cast(dtype)
    if dtype == pl.Boolean:
        return expr.cast(pl.Int8).cast(dtype)
    if dtype == pl.Date and current == pl.String:
        return expr.str.to_date("%Y-%m-%d")
    return expr.cast(dtype)


def _empty(names: list[str], schema: dict[str, pl.DataType] | None) -> pl.DataFrame:
    schema = schema or {}
    return pl.DataFrame(schema={n: schema.get(n, pl.String) for n in names})


def reserve_ids(model, n: int) -> list[int]:
    """n primary keys no one else will use: from the sequence on PostgreSQL (safe with
    concurrent writers), after the current maximum elsewhere (SQLite serialises writers,
    and the caller holds the write transaction)."""
    if n <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, n],
            )
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(f'SELECT MAX("{pk}") FROM "{table}"')  # noqa: S608 - model metadata
        start = (cursor.fetchone()[0] or 0) + 1
        return list(range(start, start + n))


def write_frame(model, frame: pl.DataFrame, batch_size: int = 50_000) -> None:
    """Insert a frame's rows into the model's table. Columns are named by the fields'
    column names; dates, datetimes (UTC), decimals (as text) and JSON (as text) must be
    ready. COPY on PostgreSQL, a prepared INSERT run by executemany on SQLite."""
    if frame.is_empty():
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            for start in range(0, frame.height, batch_size):
                part = frame.slice(start, batch_size)
                data = part.write_csv(include_header=False, null_value="\\N")
                with cursor.cursor.copy(sql) as copy:
                    copy.write(data.encode())
            return
        # SQLite stores dates and datetimes as ISO text.
        frame = _sqlite_ready(frame)
        marks = ", ".join(["%s"] * frame.width)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - quoted names
        for start in range(0, frame.height, batch_size):
            cursor.executemany(sql, frame.slice(start, batch_size).rows())


def update_frame(model, frame: pl.DataFrame, key: str = "id") -> None:
    """Update the model's rows named by `key` with the frame's other columns (prepared
    as for `write_frame`). PostgreSQL: COPY into a temporary table, one UPDATE … FROM;
    SQLite: a prepared UPDATE run by executemany."""
    if frame.is_empty():
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    cols = [c for c in frame.columns if c != key]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tmp = quote(f"tmp_update_{model._meta.db_table}")
            cursor.execute(f"DROP TABLE IF EXISTS {tmp}")
            names = ", ".join(quote(c) for c in frame.columns)
            # The columns' types without their constraints (the frame carries only some).
            cursor.execute(
                f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {names} FROM {table} WITH NO DATA"
            )
            data = frame.write_csv(include_header=False, null_value="\\N")
            with cursor.cursor.copy(
                f"COPY {tmp} ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            ) as copy:
                copy.write(data.encode())
            sets = ", ".join(f"{quote(c)} = t.{quote(c)}" for c in cols)
            cursor.execute(
                f"UPDATE {table} AS h SET {sets} FROM {tmp} AS t "  # noqa: S608
                f"WHERE h.{quote(key)} = t.{quote(key)}"
            )
            cursor.execute(f"DROP TABLE {tmp}")
            return
        frame = _sqlite_ready(frame)
        sets = ", ".join(f"{quote(c)} = %s" for c in cols)
        sql = f"UPDATE {table} SET {sets} WHERE {quote(key)} = %s"  # noqa: S608
        cursor.executemany(sql, frame.select([*cols, key]).rows())


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """SQLite takes dates, datetimes (UTC) and decimals as text, as Django stores them;
    converting in Polars spares a Python object per value."""
    frame = frame.with_columns(
        pl.col(name).cast(pl.String)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Decimal)
    )
    return frame.with_columns(
        pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S%.6f")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    ).with_columns(
        pl.col(name).dt.strftime("%Y-%m-%d")
        for name, dtype in frame.schema.items()
        if dtype == pl.Date
    )
