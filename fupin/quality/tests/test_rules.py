"""Each rule on small frames: one failing and at least one passing case."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import make_id
from fupin.policy.selectors import income_line
from fupin.quality.rules import RULES, RULES_BY_CODE, Frames, age_expr
from fupin.quality.selectors import run_rules, score
from fupin.registry.idnumber import IdNumberInvalid, parse

TODAY = dt.date(2024, 6, 1)
VILLAGE = "431129100201"
OTHER_COUNTY_VILLAGE = "431128100201"

# The income line of a year comes from the policy sets, in the database.
pytestmark = pytest.mark.django_db


def hh(**kw):
    return {
        "id": 1,
        "number": "H1",
        "village_code": VILLAGE,
        "status": "poor",
        "main_cause": "illness",
        **kw,
    }


def mem(**kw):
    return {
        "id": 1,
        "household_id": 1,
        "id_number": make_id(birth="19800101", seq="123"),
        "name": "盘石生",
        "sex": "M",
        "birth_date": dt.date(1980, 1, 1),
        "relation": "head",
        "education": "primary",
        "school_status": "",
        "health": "healthy",
        "labour": "ordinary",
        **kw,
    }


def child(**kw):
    base = {
        "id": 2,
        "id_number": make_id(birth="20140101", seq="222"),
        "name": "盘小妹",
        "sex": "F",
        "birth_date": dt.date(2014, 1, 1),
        "relation": "daughter",
        "education": "",
        "school_status": "primary",
        "labour": "none",
    }
    return mem(**{**base, **kw})


def inc(**kw):
    return {"household_id": 1, "year": 2020, "household_size": 1, "wages": 500_000, **kw}


def frames(households=None, members=None, incomes=None, deaths=()):
    return Frames.build(
        households=households if households is not None else [hh()],
        members=members if members is not None else [mem()],
        incomes=incomes if incomes is not None else [inc()],
        deaths=list(deaths),
        today=TODAY,
    )


def found(code, f):
    return RULES_BY_CODE[code].check(f).height


def test_clean_household_has_no_violation():
    assert run_rules(frames()).height == 0
    assert run_rules(frames(members=[mem(), child()], incomes=[inc(household_size=2)])).height == 0


def test_codes_are_stable_and_unique():
    codes = [r.code for r in RULES]
    assert codes == [f"Q{n:02d}" for n in range(1, len(RULES) + 1)]
    assert all(r.severity in ("error", "warning") for r in RULES)


# Each case: rule code, the frames that violate it, the frames that pass.
CASES = {
    "Q01": (
        dict(incomes=[inc(household_size=2)]),
        dict(members=[mem(), child()], incomes=[inc(household_size=2)]),
    ),
    "Q02": (dict(incomes=[inc(pension=-100)]), dict(incomes=[inc(pension=100)])),
    "Q03": (
        dict(incomes=[inc(production=100_000)]),
        dict(incomes=[inc(production=100_000, production_expenses=30_000)]),
    ),
    "Q04": (
        dict(households=[hh(status="exited")], incomes=[inc(wages=399_999)]),
        dict(households=[hh(status="exited")], incomes=[inc(wages=400_000)]),
    ),
    "Q05": (
        dict(incomes=[inc(wages=800_000)]),
        dict(incomes=[inc(wages=799_999)]),
    ),
    "Q06": (
        dict(members=[mem(), child(school_status="kindergarten")]),
        dict(members=[mem(), child()]),
    ),
    "Q07": (
        dict(members=[mem(id_number=make_id(birth="19800101", seq="123")[:17] + "0")]),
        dict(members=[mem()]),
    ),
    "Q08": (
        dict(members=[mem(birth_date=dt.date(1980, 1, 2))]),
        dict(members=[mem()]),
    ),
    "Q09": (dict(members=[mem(sex="F")]), dict(members=[mem(sex="M")])),
    "Q10": (
        dict(members=[mem(birth_date=dt.date(2024, 6, 2))]),
        dict(members=[mem(birth_date=dt.date(2024, 6, 1), id_number="")]),
    ),
    "Q11": (
        dict(members=[mem(birth_date=dt.date(1923, 6, 1))]),  # 101 on TODAY
        dict(members=[mem(birth_date=dt.date(1923, 6, 2))]),  # 100
    ),
    "Q12": (
        dict(members=[mem(birth_date=dt.date(2008, 6, 2))]),  # 15
        dict(members=[mem(birth_date=dt.date(2008, 6, 1))]),  # 16
    ),
    "Q13": (
        dict(deaths=[{"member_id": 1, "date": dt.date(2023, 5, 1)}]),
        dict(deaths=[{"member_id": 99, "date": dt.date(2023, 5, 1)}]),
    ),
    "Q14": (
        dict(
            households=[hh(), hh(id=2, number="H2")],
            members=[mem(), mem(id=2, household_id=2, id_number=make_id(seq="133"))],
        ),
        dict(
            households=[hh(), hh(id=2, number="H2", village_code=OTHER_COUNTY_VILLAGE)],
            members=[mem(), mem(id=2, household_id=2, id_number=make_id(seq="133"))],
        ),
    ),
    "Q15": (dict(households=[hh(main_cause="")]), dict(households=[hh()])),
    "Q16": (
        dict(members=[mem(), child(relation="head")]),
        dict(members=[mem(), child()]),
    ),
    "Q17": (dict(members=[]), dict()),
    "Q18": (dict(members=[mem(labour="")]), dict(members=[mem()])),
    "Q19": (
        dict(members=[mem(school_status="senior")]),
        dict(members=[mem()]),
    ),
}


def test_every_rule_has_a_case():
    assert set(CASES) == set(RULES_BY_CODE)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fails(code):
    failing, _ = CASES[code]
    assert found(code, frames(**failing)) >= 1


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_passes(code):
    _, passing = CASES[code]
    assert found(code, frames(**passing)) == 0


def test_q06_exemptions_and_edges():
    six = dict(birth_date=dt.date(2018, 1, 1), school_status="kindergarten")
    assert found("Q06", frames(members=[mem(), child(**six)])) == 0
    assert found("Q06", frames(members=[mem(), child(**dict(six, school_status=""))])) == 1
    assert found("Q06", frames(members=[mem(), child(school_status="", health="disabled")])) == 0
    sixteen = dict(birth_date=dt.date(2008, 1, 1), school_status="", education="junior")
    assert found("Q06", frames(members=[mem(), child(**sixteen)])) == 0


def test_q16_no_head():
    assert found("Q16", frames(members=[child()])) == 1


def test_q19_neither():
    assert found("Q19", frames(members=[mem(education="")])) == 1


def test_id_checks_agree_with_registry_parse():
    numbers = [
        make_id(),
        make_id(birth="20000229", seq="001"),
        make_id()[:17] + "X",
        "43112919800101123",
        "991129198001011234",
        make_id(birth="19810229", seq="001"),
    ]
    members = [mem(id=n + 1, id_number=v) for n, v in enumerate(numbers)]
    flagged = set(RULES_BY_CODE["Q07"].check(frames(members=members))["member_id"].to_list())
    for n, value in enumerate(numbers):
        try:
            parse(value, today=TODAY)
            ok = True
        except IdNumberInvalid:
            ok = False
        assert (n + 1 not in flagged) == ok, value


def test_age_expression():
    import polars as pl

    df = pl.DataFrame({"birth_date": [dt.date(2000, 6, 1), dt.date(2000, 6, 2)]})
    assert df.select(age_expr(TODAY)).to_series().to_list() == [24, 23]


def test_describe_translates_codes():
    from django.utils import translation

    rule = RULES_BY_CODE["Q18"]
    with translation.override("zh-hans"):
        text = rule.describe("labour,name", None, None)
    assert "labour" not in text  # field names are shown by their labels
    assert "%(" not in RULES_BY_CODE["Q04"].describe("2020", "3999.99", "4000.0")


def test_income_lines_come_from_the_policy_sets(db):
    assert income_line(2016) == Decimal("2952")
    assert income_line(2020) == Decimal("4000")
    assert income_line(2023) == Decimal("6000")
    with pytest.raises(ValueError):
        income_line(2012)
    # A county's own line applies in the county, not elsewhere.
    from fupin.policy.models import PolicySet

    PolicySet.objects.filter(region__isnull=True, year=2016).update(income_line=Decimal("3000"))
    assert income_line(2016) == Decimal("3000")


def test_score_definition():
    assert score(10, 1, 2) == 80.0
    assert score(10, 0, 0) == 100.0
    assert score(0, 0, 0) is None


def test_q07_shows_the_id_number_masked_by_the_one_rule():
    from fupin.core.masking import mask_id_number

    bad = make_id(birth="19800101", seq="123")[:17] + "0"
    shown = RULES_BY_CODE["Q07"].check(frames(members=[mem(id_number=bad)]))["a"].to_list()
    assert shown == [mask_id_number(bad)]
