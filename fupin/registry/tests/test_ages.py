import datetime as dt

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from fupin.registry.ages import age_on, age_on_expr
from fupin.registry.models import Member

DAYS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@given(birth=DAYS, day=DAYS)
def test_row_and_column_forms_agree(birth, day):
    frame = pl.DataFrame({"b": [birth], "d": [day]})
    column = frame.select(age_on_expr(pl.col("b"), pl.col("d"))).item()
    assert column == age_on(birth, day) == Member(birth_date=birth).age_on(day)


def test_a_birthday_counts_on_the_day_not_before():
    birth = dt.date(2008, 2, 29)
    assert age_on(birth, dt.date(2026, 2, 28)) == 17
    assert age_on(birth, dt.date(2026, 3, 1)) == 18
    assert age_on(dt.date(2000, 6, 15), dt.date(2018, 6, 14)) == 17
    assert age_on(dt.date(2000, 6, 15), dt.date(2018, 6, 15)) == 18
