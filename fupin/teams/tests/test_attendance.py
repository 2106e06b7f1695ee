"""The attendance rule (fupin.teams.attendance): worked examples, and its row form and
column form agreeing on any terms, leave and check-ins (Hypothesis)."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin.teams import attendance as a
from fupin.teams.attendance import Days

JUNE = (dt.date(2025, 6, 1), dt.date(2025, 6, 30))


def per20(_month):
    return 20


def test_a_whole_month_requires_the_days_and_caps_the_credit():
    every_day = [dt.date(2025, 6, d) for d in range(1, 31)]
    d = a.term_days(
        term_start=dt.date(2025, 1, 1),
        term_end=None,
        leaves=[],
        checkins=every_day,
        per_month=per20,
        start=JUNE[0],
        end=JUNE[1],
    )
    assert d == Days(required=20, present=30, credited=20, leave=0)
    assert d.rate == 1 and not d.under


def test_leave_reduces_the_requirement_and_a_check_in_on_leave_counts_nothing():
    # Ten days' leave of thirty: 20 × 20 / 30 = 13.33 → 14 required.
    d = a.term_days(
        term_start=dt.date(2025, 1, 1),
        term_end=None,
        leaves=[(dt.date(2025, 6, 11), dt.date(2025, 6, 20))],
        checkins=[dt.date(2025, 6, 1), dt.date(2025, 6, 15)],
        per_month=per20,
        start=JUNE[0],
        end=JUNE[1],
    )
    assert d == Days(required=14, present=1, credited=1, leave=10)
    assert str(d.rate) == "0.0714" and d.under


def test_a_term_that_starts_mid_month_owes_its_share_and_months_do_not_compensate():
    # From 16 June: 15 of 30 days → 10 required in June; 20 in July (31 days) in full.
    june = [dt.date(2025, 6, d) for d in range(16, 31)]  # 15 days: 5 beyond the 10
    july = [dt.date(2025, 7, d) for d in range(1, 11)]  # 10 of 20
    d = a.term_days(
        term_start=dt.date(2025, 6, 16),
        term_end=None,
        leaves=[],
        checkins=june + july,
        per_month=per20,
        start=dt.date(2025, 6, 1),
        end=dt.date(2025, 7, 31),
    )
    assert d == Days(required=30, present=25, credited=20, leave=0)
    assert d.under  # 25 present < 30 required: June's extra days do not cover July


def test_nothing_required_is_no_rate():
    assert Days().rate is None
    assert a.required_days(20, 0, 30) == 0
    assert a.required_days(20, 1, 31) == 1


# ---------------------------------------------------------------- both forms agree

BASE = dt.date(2025, 1, 1)
day = st.integers(0, 120).map(lambda n: BASE + dt.timedelta(days=n))


@st.composite
def terms(draw):
    n = draw(st.integers(1, 4))
    out = []
    for i in range(n):
        s = draw(day)
        e = draw(st.one_of(st.none(), st.integers(0, 90).map(lambda k, s=s: s + dt.timedelta(k))))
        leaves = []
        for _ in range(draw(st.integers(0, 2))):
            ls = draw(day)
            leaves.append((ls, ls + dt.timedelta(days=draw(st.integers(0, 10)))))
        checkins = draw(st.sets(day, max_size=60))
        out.append((i + 1, draw(st.integers(1, 2)), s, e, leaves, checkins))
    return out


@settings(max_examples=60, deadline=None)
@given(
    terms(),
    day,
    st.integers(0, 80),
    st.dictionaries(st.integers(0, 5), st.integers(0, 31), max_size=6),
)
def test_row_and_column_forms_agree(rows, start, length, per_month_by_index):
    end = start + dt.timedelta(days=length)
    months = a.months_between(start, end)

    def per_month(team_id):
        return lambda m: per_month_by_index.get((team_id + months.index(m)) % 6, 20)

    expected = {}
    for term_id, team_id, s, e, leaves, checkins in rows:
        if s > end or (e is not None and e < start):
            continue
        expected[term_id] = a.term_days(
            term_start=s,
            term_end=e,
            leaves=leaves,
            checkins=checkins,
            per_month=per_month(team_id),
            start=start,
            end=end,
        )
    frame = pl.DataFrame(
        [(t, team, t * 10, s, e) for t, team, s, e, _l, _c in rows],
        schema=a.TERMS_SCHEMA,
        orient="row",
    )
    leaves = pl.DataFrame(
        [(t, ls, le) for t, _team, _s, _e, lv, _c in rows for ls, le in lv],
        schema={"term_id": pl.Int64, "start": pl.Date, "end": pl.Date},
        orient="row",
    )
    checkins = pl.DataFrame(
        [(t, d) for t, _team, _s, _e, _lv, cs in rows for d in cs],
        schema={"term_id": pl.Int64, "day": pl.Date},
        orient="row",
    )
    requirement = pl.DataFrame(
        [(team, m, per_month(team)(m)) for team in (1, 2) for m in months],
        schema={"team_id": pl.Int64, "month": pl.Date, "per_month": pl.Int64},
        orient="row",
    )
    out = a.terms_days(frame, leaves, checkins, requirement, start, end)
    got = {
        r["term_id"]: Days(r["required"], r["present"], r["credited"], r["leave"])
        for r in out.iter_rows(named=True)
    }
    # A term with a day in the period is a row in both forms (zeros included).
    assert got == expected
