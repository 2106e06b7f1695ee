"""The microcredit figures, counted by hand on the crafted registry with a few loans
recorded through the microcredit services (their dates, not the records', decide):

====  ==========================  ========================================================
L1    H1 (大坪村), 50,000         disbursed 2023-01-10 (12 months), 10,000 repaid 2023-03-01
L2    H2 (大坪村), 30,000         disbursed 2023-07-01, the day after AS_OF
L3    H3 (清塘村), 20,000         disbursed 2022-01-15 (12 months), repaid in full when due
L4    H4 (清塘村), 10,000         disbursed 2022-06-30 (12 months): due on AS_OF, overdue the
                                  day after
L5    H6 (大坪村→清塘村), 5,000   disbursed 2023-02-01 (36 months); H6 moved on 2023-05-20
====  ==========================  ========================================================

Eligible on AS_OF (registered poor or monitored, a member aged 18–65): H1, H2 (大坪村);
H3, H4, H6 (清塘村); H5 (大路铺村). Not: H7, H8 (removed) and HX (大坪村, poor, one member
aged 73).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.urls import reverse

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE
from fupin.dashboards import selectors as dashboard
from fupin.dashboards.templatetags.dashboards import figure_value
from fupin.indicators import engine, snapshots
from fupin.indicators import frames as fr
from fupin.indicators.selectors import figures
from fupin.indicators.tests.conftest import AS_OF, _household, at
from fupin.microcredit import rules, services
from fupin.registry import choices as c

COUNTY = "431129000000"
TOWNSHIP = "431129100000"
MC = (
    "microcredit_households",
    "microcredit_balance",
    "microcredit_eligible_households",
    "microcredit_ever_households",
    "microcredit_uptake_rate",
    "microcredit_overdue_balance",
    "microcredit_overdue_rate",
)


def _loan(actor, household, number, amount, on, term=12):
    borrower = next(
        m
        for m in household.members.filter(is_active=True).order_by("id")
        if rules.MIN_AGE <= m.age_on(on) <= rules.MAX_AGE
    )
    return services.loan_disburse(
        actor=actor,
        household=household,
        borrower=borrower,
        data={
            "number": number,
            "bank": "农村信用社",
            "amount": Decimal(amount),
            "term_months": term,
            "annual_rate": Decimal("4.35"),
            "subsidy_rate": Decimal("4.35"),
            "credit_rating": "AA",
            "purpose": "养殖",
            "disbursed_on": on,
        },
    )


@pytest.fixture
def loans(crafted, users):
    actor = users["county"]
    with at(dt.date(2022, 3, 1)):
        _household(actor, VILLAGE, [(c.Health.HEALTHY, c.LabourCapacity.NONE, "19500101")])
    n = crafted
    n.l1 = _loan(actor, n.h1, "L1", "50000", dt.date(2023, 1, 10))
    services.repayment_record(
        actor=actor, loan=n.l1, paid_on=dt.date(2023, 3, 1), principal=Decimal("10000")
    )
    n.l2 = _loan(actor, n.h2, "L2", "30000", dt.date(2023, 7, 1))
    n.l3 = _loan(actor, n.h3, "L3", "20000", dt.date(2022, 1, 15))
    services.repayment_record(
        actor=actor, loan=n.l3, paid_on=dt.date(2023, 1, 15), principal=Decimal("20000")
    )
    n.l4 = _loan(actor, n.h4, "L4", "10000", dt.date(2022, 6, 30))
    n.l5 = _loan(actor, n.h6, "L5", "5000", dt.date(2023, 2, 1), term=36)
    return n


def values(code, day, depth=0):
    return {n.code: {k: n.values[k] for k in MC} for n in figures(code, as_of=day, depth=depth)}


def test_each_figure_by_hand_on_the_as_of_date(loans):
    v = values(TOWNSHIP, AS_OF, depth=1)
    # 大坪村: L1 (40,000 outstanding); L2 not yet disbursed; HX not eligible (age).
    assert v[VILLAGE] == {
        "microcredit_households": 1,
        "microcredit_balance": 40000.0,
        "microcredit_eligible_households": 2,
        "microcredit_ever_households": 1,
        "microcredit_uptake_rate": 50.0,
        "microcredit_overdue_balance": 0.0,
        "microcredit_overdue_rate": 0.0,
    }
    # 清塘村: L3 repaid (borrowed, no balance), L4 due on the day (not overdue yet), L5
    # followed H6 to its village on the as-of date.
    assert v[NEIGHBOUR] == {
        "microcredit_households": 2,
        "microcredit_balance": 15000.0,
        "microcredit_eligible_households": 3,
        "microcredit_ever_households": 3,
        "microcredit_uptake_rate": 100.0,
        "microcredit_overdue_balance": 0.0,
        "microcredit_overdue_rate": 0.0,
    }
    d = values(OTHER_TOWNSHIP_VILLAGE, AS_OF)[OTHER_TOWNSHIP_VILLAGE]
    # H5 eligible, never borrowed; H7 removed on 2023-06-01; no balance: no overdue rate.
    assert (d["microcredit_eligible_households"], d["microcredit_uptake_rate"]) == (1, 0.0)
    assert d["microcredit_balance"] == 0 and d["microcredit_overdue_rate"] is None


def test_the_day_after_a_loan_is_disbursed_and_another_overdue(loans):
    v = values(TOWNSHIP, AS_OF + dt.timedelta(days=1), depth=1)
    assert v[VILLAGE]["microcredit_households"] == 2  # L2 disbursed on that day
    assert v[VILLAGE]["microcredit_balance"] == 70000.0
    assert v[VILLAGE]["microcredit_uptake_rate"] == 100.0
    assert v[NEIGHBOUR]["microcredit_overdue_balance"] == 10000.0  # L4, unpaid when due
    assert v[NEIGHBOUR]["microcredit_overdue_rate"] == 66.67  # 10,000 ÷ 15,000
    assert v[TOWNSHIP]["microcredit_overdue_rate"] == round(10000 / 85000 * 100, 2)


def test_before_a_move_the_loan_counts_in_the_old_village(loans):
    v = values(TOWNSHIP, dt.date(2023, 3, 31), depth=1)
    assert v[VILLAGE]["microcredit_balance"] == 45000.0  # L1 40,000 + L5 5,000 (H6)
    assert v[NEIGHBOUR]["microcredit_balance"] == 10000.0  # L4
    # 清塘村 then: H3 (L3 repaid on 2023-01-15) and H4 (L4).
    assert v[NEIGHBOUR]["microcredit_households"] == 1


def test_before_any_loan_nothing_is_counted_but_the_eligible(loans):
    v = values(COUNTY, dt.date(2021, 12, 31))[COUNTY]
    assert v["microcredit_households"] == 0 and v["microcredit_balance"] == 0
    assert v["microcredit_overdue_rate"] is None


def test_levels_add_up(loans):
    nodes = figures(COUNTY, as_of=AS_OF + dt.timedelta(days=1), depth=2)
    county, townships = nodes[0], [n for n in nodes if n.level == 4]
    villages = [n for n in nodes if n.level == 5]
    for code in MC:
        if code.endswith("_rate"):
            continue
        assert county.values[code] == pytest.approx(sum(t.values[code] for t in townships))
        for t in townships:
            kids = [v.values[code] for v in villages if v.parent == t.code]
            assert t.values[code] == pytest.approx(sum(kids)), (t.code, code)
    assert county.values["microcredit_balance"] == 85000.0
    assert county.values["microcredit_eligible_households"] == 6
    # Rates from the summed counts: 5 of 6 eligible households have borrowed.
    assert county.values["microcredit_uptake_rate"] == 83.33


def test_frames_follow_the_row_form_of_each_loan(loans):
    """The household columns equal the row form (`rules.loan_state`) of its loans."""
    day = AS_OF + dt.timedelta(days=1)
    hh = fr.load("431129", day).households
    for loan in (loans.l1, loans.l2, loans.l3, loans.l4, loans.l5):
        balance, overdue = rules.loan_state(
            loan, list(loan.schedule.all()), list(loan.repayments.all()), day
        )
        row = hh.filter(pl.col("household_id") == loan.household_id).row(0, named=True)
        assert row["mc_balance"] == float(balance), loan.number
        assert row["mc_overdue_balance"] == (float(balance) if overdue else 0.0), loan.number
        assert row["mc_ever"] is True


def test_eligible_column_form_agrees_with_the_row_form(loans):
    """`rules.eligible_households` says yes exactly when `rules.refusals` finds a member
    who may borrow (credit rating apart)."""
    from fupin.registry.models import Household

    frames = fr.load("431129")
    day = frames.as_of
    column = dict(rules.eligible_households(frames.households, frames.people).iter_rows())
    assert len(column) == Household.objects.count() == 9
    for h in Household.objects.prefetch_related("members"):
        members = [m for m in h.members.all() if m.is_active]
        row = any(
            not rules.refusals(
                household=h, borrower=m, on=day, credit_rating="A", household_rated=False
            )
            for m in members
        )
        assert column[h.pk] is row, h.pk


def test_snapshot_keeps_the_figures_and_an_old_one_has_no_data(loans, monkeypatch):
    day = AS_OF + dt.timedelta(days=1)
    new = snapshots.create(actor=None, area_code=COUNTY, as_of=day)
    assert values(COUNTY, day)[COUNTY] == {
        k: figures(COUNTY, snapshot=new, depth=0)[0].values[k] for k in MC
    }
    old_schema = {k: v for k, v in fr.HOUSEHOLD_SCHEMA.items() if k not in fr.MICROCREDIT_COLUMNS}
    monkeypatch.setitem(snapshots.SCHEMAS, "households", old_schema)
    old = snapshots.create(actor=None, area_code=COUNTY, as_of=day)
    monkeypatch.undo()
    frames = snapshots.read(old)
    assert not set(fr.MICROCREDIT_COLUMNS) & set(frames.households.columns)
    assert set(engine.MICROCREDIT) <= engine.missing_counts(frames)
    for node in figures(COUNTY, snapshot=old, depth=2):
        assert {node.values[k] for k in MC} == {None}, node.code
        assert node.values["registered_households"] is not None  # the rest is there


def test_dashboard_shows_the_figures(client, users, loans):
    client.force_login(users["county"])
    html = client.get(reverse("dashboards:area", args=[COUNTY])).content.decode()
    node = figures(COUNTY, depth=0)[0]
    for code in ("microcredit_households", "microcredit_uptake_rate"):
        shown = figure_value(dashboard.figure(code, node.values))
        assert f'data-code="{code}"' in html and shown in html
    assert node.values["microcredit_balance"] == 85000.0
    assert "85,000.00" in html  # the balance in the table of townships (TOTAL row)
