"""`core.frames.reserve_ids`: primary keys handed out in advance for bulk writes;
`json_text`: a column's values in the JSON forms of `core.history.snapshot`."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import polars as pl
import pytest
from django.db import connection

from fupin.core.frames import json_text, reserve_ids
from fupin.core.history import _json_value
from fupin.core.models import ChangeAction, ChangeRecord

pytestmark = pytest.mark.django_db


def _record() -> ChangeRecord:
    return ChangeRecord.objects.create(
        action=ChangeAction.CREATE, object_type="t.t", object_id="1", area_code="4311"
    )


def test_reserved_ids_are_distinct_consecutive_and_past_every_stored_one():
    before = _record().pk
    ids = reserve_ids(ChangeRecord, 1000)
    assert len(ids) == 1000
    assert ids == list(range(ids[0], ids[0] + 1000))
    assert ids[0] > before


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="on SQLite the caller writes the reserved rows before anyone else can write",
)
def test_a_row_saved_after_a_reservation_takes_none_of_its_ids():
    ids = reserve_ids(ChangeRecord, 50)
    assert _record().pk not in ids


def test_nothing_reserved_for_no_rows():
    assert reserve_ids(ChangeRecord, 0) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="sequences are PostgreSQL's")
def test_values_interleaved_with_another_writers_are_returned_one_by_one():
    # Another writer drawing meanwhile is simulated by a sequence that steps by 2.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('core_changerecord', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 2")
    try:
        ids = reserve_ids(ChangeRecord, 10)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")
    assert len(set(ids)) == 10
    assert all(b - a == 2 for a, b in itertools.pairwise(ids))
    assert _record().pk not in ids


def test_json_text_gives_the_values_snapshot_gives():
    """`json_text` (the `changes` of set-based update records) reads back as the value
    `core.history.snapshot` stores for the same Python value, for every column type the
    import handles: decimals with their places, dates, datetimes with and without
    microseconds (isoformat leaves out a zero fraction), booleans, text, lists, nulls."""
    utc = dt.UTC
    values = {
        "money": [Decimal("3100.25"), Decimal("3.00"), None],
        "day": [dt.date(2016, 2, 29), dt.date(1, 1, 1), None],
        "at": [
            dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=utc),
            dt.datetime(2024, 5, 1, 10, 0, 0, 7, tzinfo=utc),
            None,
        ],
        "flag": [True, False, None],
        "n": [0, -12, None],
        "text": ['大坪村 "三组"\\5号', "", None],
        "codes": [["缺技术", "缺资金"], [], None],
    }
    frame = pl.DataFrame(
        values,
        schema={
            "money": pl.Decimal(14, 2),
            "day": pl.Date,
            "at": pl.Datetime("us", "UTC"),
            "flag": pl.Boolean,
            "n": pl.Int64,
            "text": pl.String,
            "codes": pl.List(pl.String),
        },
    )
    for column, column_values in values.items():
        texts = frame.select(json_text(frame, column))[column].to_list()
        assert [json.loads(t) for t in texts] == [_json_value(v) for v in column_values], column
