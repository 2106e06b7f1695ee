"""Reading a ledger's rows for the indicator engine, set-based (`core.frames.read_frame`,
COPY on PostgreSQL): the rows of an area by a code column, and the rows of the
households that were in the area on the as-of date and have moved out since (their
rows went with them), in batches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from fupin.core.frames import DType, read_frame
from fupin.core.scope import code_range

HOUSEHOLD_BATCH = 5000


def area_rows(
    select: str,
    *,
    area: str,
    household: str,
    prefix: str | None,
    household_ids: Sequence[int] = (),
    schema: Mapping[str, DType],
    params: Sequence[Any] = (),
    where: str = "",
) -> pl.DataFrame:
    """`select` (a SELECT … FROM … ending where its WHERE goes, with `params`) completed
    by "WHERE <area> BETWEEN <the prefix's codes>", and again by "WHERE <household> IN
    (…)" for `household_ids` in batches; one frame of `schema`. `prefix` None: only the
    rows of `household_ids` (a grading round's households, wherever they are). `where`:
    a condition of the caller's both reads keep as well (its placeholders' values at the
    end of `params`), e.g. the rows of a period only."""
    # `area`, `household` and `where` are SQL of the caller's, never input.
    also = f"{where} AND " if where else ""
    parts = [pl.DataFrame(schema=dict(schema))]
    if prefix is not None:
        low, high = code_range(prefix)
        parts.append(
            read_frame(
                f"{select} WHERE {also}{area} BETWEEN %s AND %s",
                [*params, low, high],
                schema=schema,
            )
        )
    ids = list(household_ids)
    for start in range(0, len(ids), HOUSEHOLD_BATCH):
        batch = ids[start : start + HOUSEHOLD_BATCH]
        marks = ", ".join(["%s"] * len(batch))
        parts.append(
            read_frame(
                f"{select} WHERE {also}{household} IN ({marks})", [*params, *batch], schema=schema
            )
        )
    return pl.concat(parts, how="vertical")


def dates(frame: pl.DataFrame, *names: str) -> pl.DataFrame:
    """Date columns read as text (both databases' forms) as dates."""
    return frame.with_columns(pl.col(n).str.slice(0, 10).str.to_date("%Y-%m-%d") for n in names)
