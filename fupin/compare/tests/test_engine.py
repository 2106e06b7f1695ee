"""Unit tests of the columnar engine, without the database."""

import datetime as dt

import polars as pl
import pytest

from conftest import make_id
from fupin.compare import engine


def test_full_width_and_spaces_are_normalised():
    v = make_id()
    fw = " " + "".join(chr(0xFF10 + int(ch)) if ch.isdigit() else ch for ch in v) + " "
    raw = pl.DataFrame({"身份证号": [fw], "死亡日期": ["2023.1.5"]})
    p = engine.prepare("deaths", raw, today=dt.date(2025, 1, 1))
    assert p.errors.height == 0
    assert p.good["id_number"].to_list() == [v]
    assert p.good["died_on"].to_list() == [dt.date(2023, 1, 5)]


def test_bad_values_are_reported_with_row_and_column():
    v = make_id()
    raw = pl.DataFrame(
        {
            "ID number": [v, v, v, v],
            "year": ["2023", "1999", "2023", "2023"],
            "total": ["100", "100", "abc", "100"],
            "out-of-pocket": ["50", "50", "50", "-1"],
        }
    )
    p = engine.prepare("medical_spending", raw, today=dt.date(2025, 1, 1))
    assert p.good.height == 1
    assert [(e["row"], e["column"]) for e in p.errors.to_dicts()] == [
        (3, "year"),
        (4, "total"),
        (5, "out-of-pocket"),
    ]


def test_missing_required_column_is_a_file_error():
    from fupin.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        engine.prepare("disability", pl.DataFrame({"身份证号": [make_id()], "残疾证号": ["1"]}))


def test_medical_threshold_is_configurable():
    v = make_id()
    raw = pl.DataFrame(
        {"身份证号": [v], "年度": ["2024"], "总费用": ["9000"], "个人自付": ["6000"]}
    )
    p = engine.prepare("medical_spending", raw, today=dt.date(2025, 1, 1))
    reg = pl.DataFrame(
        {
            "id_number": [v],
            "member_id": [1],
            "household_id": [1],
            "village_code": ["431129100201"],
            "health": ["healthy"],
            "disability_grade": [None],
        },
        schema=engine.REGISTRY_SCHEMA,
    )
    assert engine.match("medical_spending", p.good, reg).findings.height == 0
    hits = engine.match("medical_spending", p.good, reg, medical_threshold=5000).findings
    assert hits["rule"].to_list() == ["MEDICAL_HIGH"] and hits["key"].to_list() == ["2024"]
