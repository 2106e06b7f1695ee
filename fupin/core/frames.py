"""Moving rows between the database and Polars frames without the ORM.

Heavy reads (exports, validation against the registry, comparisons, quality checks)
and heavy writes (the registry import) go through here: COPY on PostgreSQL, one cursor
on SQLite. Both run on the caller's connection, hence inside its transaction.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from django.db import connection
from django.db import models as m
from django.db.models import NOT_PROVIDED

FETCH_ROWS = 100_000

# A Polars type as the code names it: a class (`pl.Int64`) or an instance
# (`pl.Decimal(14, 2)`, a frame's `schema[...]`); Polars takes both.
type DType = pl.DataType | type[pl.DataType]


def column_of(field: m.Field[Any, Any]) -> str:
    """A concrete field's column name (the stubs allow None: only a field without a
    column, which is not concrete, has none)."""
    if field.column is None:
        raise TypeError(f"{field} has no column")
    return field.column


def read_frame(
    sql: str, params: Sequence[Any] = (), schema: Mapping[str, DType] | None = None
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


def _cast(expr: pl.Expr, current: pl.DataType, dtype: DType) -> pl.Expr:
    if dtype == pl.Boolean and current == pl.String:
        # PostgreSQL's CSV writes booleans as t/f.
        return expr.replace_strict({"t": True, "f": False, "1": True, "0": False}).cast(dtype)
    if dtype == pl.Boolean:
        return expr.cast(pl.Int8).cast(dtype)
    if dtype == pl.Date and current == pl.String:
        return expr.str.to_date("%Y-%m-%d")
    return expr.cast(dtype)


def _empty(names: list[str], schema: Mapping[str, DType] | None) -> pl.DataFrame:
    schema = schema or {}
    return pl.DataFrame(schema={n: schema.get(n, pl.String) for n in names})


def reserve_ids(model: type[m.Model], n: int) -> list[int]:
    """n primary keys no one else will use: from the sequence on PostgreSQL (safe with
    concurrent writers), after the current maximum elsewhere (SQLite serialises writers,
    and the caller holds the write transaction)."""
    if n <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence is looked up once (per row, the lookup took ten times as long
            # as the drawing), and the values drawn come back as their bounds, not as a
            # million rows, when they are consecutive (no other writer drew meanwhile).
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT MIN(v), MAX(v), COUNT(*) FROM "
                "(SELECT nextval(%s::regclass) AS v FROM generate_series(1, %s)) AS drawn",
                [sequence, n],
            )
            low, high, count = cursor.fetchone()
            if high - low + 1 == count:
                return list(range(low, high + 1))
            # Interleaved with another writer's: draw again, one value a row.
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, n]
            )
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(f'SELECT MAX("{pk}") FROM "{table}"')  # noqa: S608 - model metadata
        start = (cursor.fetchone()[0] or 0) + 1
        return list(range(start, start + n))


def write_frame(model: type[m.Model], frame: pl.DataFrame, batch_size: int = 50_000) -> None:
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


def write_table(name: str, frame: pl.DataFrame) -> None:
    """Insert a frame's rows into a table by name (a temporary table of the caller's),
    columns by the frame's names: COPY on PostgreSQL, executemany on SQLite."""
    if frame.is_empty():
        return
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As CSV text in one piece, as write_frame does (a Python call a row cost
            # 4.8 s for the ID numbers of a million people).
            data = frame.write_csv(include_header=False, null_value="\\N")
            with cursor.cursor.copy(
                f"COPY {quote(name)} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            ) as copy:
                copy.write(data.encode())
        else:
            marks = ", ".join(["%s"] * frame.width)
            cursor.executemany(
                f"INSERT INTO {quote(name)} ({cols}) VALUES ({marks})",  # noqa: S608
                frame.rows(),
            )


def update_frame(model: type[m.Model], frame: pl.DataFrame, key: str = "id") -> None:
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


# ------------------------------------------------------------------ model rows as typed frames


def db_types(model: type[m.Model]) -> dict[str, DType]:
    """Polars types of a model's columns as the import handles them."""

    out: dict[str, DType] = {}
    for f in model._meta.concrete_fields:
        if isinstance(f, m.BooleanField):
            out[f.attname] = pl.Boolean
        elif isinstance(f, m.DecimalField):
            out[f.attname] = pl.Decimal(14, 2)
        elif isinstance(f, m.DateTimeField):
            out[f.attname] = pl.Datetime("us", "UTC")
        elif isinstance(f, m.DateField):
            out[f.attname] = pl.Date
        elif isinstance(f, (m.IntegerField, m.AutoField)) or (
            f.is_relation and f.attname in ("household_id",)
        ):
            out[f.attname] = pl.Int64
        elif isinstance(f, m.JSONField):
            out[f.attname] = pl.List(pl.String)
        else:
            out[f.attname] = pl.String
    return out


def read_model(model: type[m.Model], sql: str, params: Sequence[Any]) -> pl.DataFrame:
    """Rows of `model` (plus extra selected columns as text) typed like the import."""
    frame = read_frame(sql, params)
    types = db_types(model)
    not_null_text = {
        f.attname
        for f in model._meta.concrete_fields
        if not f.null and f.get_internal_type() in ("CharField", "TextField")
    }
    exprs = []
    for name in frame.columns:
        want = types.get(name)
        if want is None:
            exprs.append(pl.col(name).cast(pl.String))
        elif want == pl.Boolean:
            exprs.append(
                pl.col(name)
                .cast(pl.String)
                .str.to_lowercase()
                .replace_strict(
                    {"t": True, "true": True, "1": True, "f": False, "false": False, "0": False},
                    default=None,
                    return_dtype=pl.Boolean,
                )
            )
        elif isinstance(want, pl.Decimal):
            exprs.append(pl.col(name).cast(pl.String).cast(pl.Float64).round(2).cast(want))
        elif isinstance(want, pl.Datetime):
            exprs.append(
                pl.col(name).cast(pl.String).str.to_datetime(time_zone="UTC", strict=False)
            )
        elif want == pl.Date:
            exprs.append(pl.col(name).cast(pl.String).str.to_date("%Y-%m-%d"))
        elif isinstance(want, pl.List):
            exprs.append(pl.col(name).cast(pl.String).str.json_decode(want))
        elif want == pl.String and name in not_null_text:
            # Blank text is stored as ''; PostgreSQL's CSV may hand it over as null.
            exprs.append(pl.col(name).cast(pl.String).fill_null(""))
        else:
            exprs.append(pl.col(name).cast(want))
    return frame.select(exprs)


def field_defaults(model: type[m.Model], fields: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    for name in fields:
        f = by_attname.get(name)
        if f is None or f.is_relation:
            continue
        if f.default is not NOT_PROVIDED:
            out[name] = f.default() if callable(f.default) else f.default
        elif f.null:
            out[name] = None
        elif f.get_internal_type() in ("CharField", "TextField"):
            out[name] = ""
    return out


def full_frame(frame: pl.DataFrame, model: type[m.Model]) -> pl.DataFrame:
    """Every concrete field of the model (defaults for those the frame lacks), typed."""
    types = db_types(model)
    defaults = field_defaults(model, list(types))
    cols = []
    for f in model._meta.concrete_fields:
        name = f.attname
        if name in frame.columns:
            cols.append(pl.col(name))
            continue
        default = defaults.get(name)
        if isinstance(types[name], pl.List):
            cols.append(pl.lit(default or [], dtype=types[name]).alias(name))
        elif isinstance(types[name], pl.Decimal) and default is not None:
            cols.append(pl.lit(str(default)).cast(pl.Float64).cast(types[name]).alias(name))
        else:
            cols.append(pl.lit(default, dtype=types[name]).alias(name))
    extra = [c for c in frame.columns if c not in types]
    return frame.select([*cols, *extra])


def db_ready(
    frame: pl.DataFrame, model: type[m.Model], columns: list[str] | None = None
) -> pl.DataFrame:
    """Table columns for `write_frame`/`update_frame`: JSON fields as JSON text."""

    out = []
    for f in model._meta.concrete_fields:
        if columns is not None and f.attname not in columns:
            continue
        expr = pl.col(f.attname)
        if isinstance(f, m.JSONField):
            expr = json_text(frame, f.attname)
        out.append(expr.alias(column_of(f)))
    return frame.select(out)


def json_value(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A column as the JSON its value has in `core.history.snapshot` (decimals and dates
    as text), so that the history written here reads like any other."""
    if isinstance(dtype, pl.Decimal) or dtype == pl.Date:
        return expr.cast(pl.String)
    if isinstance(dtype, pl.Datetime):
        # As datetime.isoformat: no fraction when the microseconds are zero.
        return (
            pl.when(expr.dt.microsecond() == 0)
            .then(expr.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
            .otherwise(expr.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00"))
        )
    return expr


def json_text(frame: pl.DataFrame, column: str) -> pl.Expr:
    """The JSON text of one column's value ("null" for null)."""
    prefix = len(f'{{"{column}":')
    encoded = pl.struct(json_value(pl.col(column), frame.schema[column]).alias(column))
    text = encoded.struct.json_encode()
    return text.str.slice(prefix, text.str.len_chars() - prefix - 1)
