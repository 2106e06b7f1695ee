"""Migrations 0004 and 0005 change core_changerecord in SQL (AlterField would rebuild the
table on SQLite): the database must end as the models say."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'core_changerecord'"
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = 'core_changerecord' AND sql IS NOT NULL"
            )
        return {name: sql for name, sql in cursor.fetchall()}


def test_the_area_index_is_the_named_one_without_a_like_twin():
    indexes = _indexes()
    assert "change_area_idx" in indexes
    assert not [n for n in indexes if "area_code" in n], indexes
    assert not [sql for sql in indexes.values() if "pattern_ops" in sql], indexes


def test_the_user_column_has_no_foreign_key_constraint_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps its cheap per-row check until the table is rebuilt")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint "
            "WHERE conrelid = 'core_changerecord'::regclass AND contype = 'f'"
        )
        assert cursor.fetchone()[0] == 0
