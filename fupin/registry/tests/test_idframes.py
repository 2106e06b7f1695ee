"""The vectorised ID-number rules agree with `idnumber.parse`, number for number."""

import datetime as dt
import random

import polars as pl

from conftest import make_id
from fupin.core.errors import IdNumberInvalid
from fupin.registry import idframes, idnumber

TODAY = dt.date(2025, 1, 1)


def _parse_ok(value):
    try:
        idnumber.parse(value, today=TODAY)
        return True
    except IdNumberInvalid:
        return False


def test_vectorised_check_agrees_with_parse():
    rng = random.Random(7)
    values = []
    for _ in range(400):
        v = make_id(
            region=rng.choice(["431129", "110101", "990101", "431128"]),
            birth=rng.choice(["19800101", "20000229", "19990229", "20300101", "18700101"]),
            seq=f"{rng.randrange(1000):03d}",
        )
        if rng.random() < 0.4:  # mistype one digit
            i = rng.randrange(18)
            v = v[:i] + str((int(v[i]) + 1) % 10 if v[i].isdigit() else 3) + v[i + 1 :]
        values.append(v)
    values += [
        "43112919800101123",
        "43112919800101123XX",
        "4311291980010112A4",
        "431129800101123",
        "-43112919800101123",
        make_id()[:17] + "X",
        "",
    ]
    got = pl.DataFrame({"v": values}).select(idframes.valid(pl.col("v"), TODAY)).to_series()
    assert got.to_list() == [_parse_ok(v) for v in values]
    assert 0 < sum(got) < len(values)


def test_normalise_birth_date_and_sex_agree_with_parse():
    v = make_id(birth="19700305", seq="211")
    wide = " " + "".join(chr(0xFF10 + int(ch)) if ch.isdigit() else ch for ch in v) + "\u3000"
    row = (
        pl.DataFrame({"v": [wide]})
        .select(
            n=idframes.normalise(pl.col("v")),
        )
        .with_columns(birth=idframes.birth_date(pl.col("n")), sex=idframes.sex(pl.col("n")))
        .row(0, named=True)
    )
    parsed = idnumber.parse(wide, today=TODAY)
    assert row == {"n": parsed.value, "birth": parsed.birth_date, "sex": parsed.sex}
