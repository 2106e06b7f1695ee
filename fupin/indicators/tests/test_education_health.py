"""The education and health figures, counted by hand on the crafted registry with rows
recorded through the ledgers' services (their dates, not the records', decide), and
today's against ORM counts:

====  =============================  ==================================================
A1    H1's child, 两免一补, 625        paid 2022-10-15 (the year before AS_OF)
A2    H1's child, 两免一补, 625        paid 2023-03-15
A3    H5, Rainbow Plan, 1,500         paid 2023-04-01
A4    H6 (大坪村→清塘村), grant, 1,650  paid 2023-03-01; H6 moved on 2023-05-20
A5    H3, Rainbow Plan, 1,500         paid 2023-09-10 (after AS_OF)
D1    H1's child                      open 2023-02-01, taught at home from 2023-06-01
D2    H1's child                      open 2023-06-15
====  =============================  ==================================================

Basic cover of 2023: H1's three members and H2's eldest (enrolled 2022-11-01), H3's two
(2023-03-15), H6's one and H7's one (2022-12-01). Reimbursements: R1 H2 (50,000, 5,000
out of pocket, 2023-02-10), R2 H6 (8,000, 2,000, 2023-03-01), R3 H3 (3,000, 2,500,
2022-12-20), R4 H7 (1,000, 400, 2023-05-10; H7 removed on 2023-06-01).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE
from fupin.dashboards import selectors as dashboard
from fupin.dashboards.templatetags.dashboards import figure_value
from fupin.education import services as education
from fupin.education.models import DropoutStatus, StudentAid
from fupin.health import services as health
from fupin.health.models import Cover, Reimbursement
from fupin.indicators import engine, snapshots
from fupin.indicators import frames as fr
from fupin.indicators.selectors import figures
from fupin.indicators.tests.conftest import AS_OF

COUNTY = "431129000000"
TOWNSHIP = "431129100000"
EDU = ("students_aided", "rainbow_plan_students", "education_aid_amount", "dropouts_open")
MED = (
    "medical_insured_people",
    "medical_insured_rate",
    "medical_cost",
    "medical_out_of_pocket",
    "out_of_pocket_share",
)
CODES = EDU + MED


def _aid(actor, household, member, kind, stage, year, term, amount, paid_on):
    return education.aid_record(
        actor=actor,
        household=household,
        student=member,
        data={
            "kind": kind,
            "stage": stage,
            "school": "学校",
            "school_year": year,
            "term": term,
            "amount": Decimal(amount),
            "paid_on": paid_on,
        },
    )


def _cover(actor, household, member, insured_on, year=2023, kind="basic"):
    return health.cover_record(
        actor=actor,
        household=household,
        person=member,
        data={
            "kind": kind,
            "year": year,
            "insured_on": insured_on,
            "premium": Decimal("350"),
            "subsidy": Decimal("0"),
        },
    )


def _pay(actor, household, member, number, settled_on, total, **layers):
    return health.reimbursement_record(
        actor=actor,
        household=household,
        patient=member,
        data={
            "number": number,
            "hospital": "县人民医院",
            "admitted_on": settled_on - dt.timedelta(days=5),
            "settled_on": settled_on,
            "total_cost": Decimal(total),
            **{k: Decimal(v) for k, v in layers.items()},
        },
    )


def _members(h):
    return list(h.members.filter(is_active=True).order_by("birth_date"))


@pytest.fixture
def ledgers(crafted, users):
    actor = users["county"]
    n = crafted
    child = _members(n.h1)[-1]  # born 2010
    _aid(
        actor, n.h1, child, "two_exemptions", "junior", 2022, "autumn", "625", dt.date(2022, 10, 15)
    )
    _aid(
        actor, n.h1, child, "two_exemptions", "junior", 2022, "spring", "625", dt.date(2023, 3, 15)
    )
    _aid(
        actor,
        n.h5,
        _members(n.h5)[0],
        "rainbow_plan",
        "higher_vocational",
        2022,
        "spring",
        "1500",
        dt.date(2023, 4, 1),
    )
    _aid(
        actor,
        n.h6,
        _members(n.h6)[0],
        "grant",
        "undergraduate",
        2022,
        "spring",
        "1650",
        dt.date(2023, 3, 1),
    )
    _aid(
        actor,
        n.h3,
        _members(n.h3)[0],
        "rainbow_plan",
        "vocational",
        2023,
        "autumn",
        "1500",
        dt.date(2023, 9, 10),
    )
    village = users["village"]
    d1 = education.dropout_open(
        actor=village,
        household=n.h1,
        child=child,
        data={"opened_on": dt.date(2023, 2, 1), "cause": "weary"},
    )
    education.dropout_close(
        actor=actor, case=d1, outcome=DropoutStatus.HOME, closed_on=dt.date(2023, 6, 1)
    )
    education.dropout_open(
        actor=village,
        household=n.h1,
        child=child,
        data={"opened_on": dt.date(2023, 6, 15), "cause": "work"},
    )
    for m in _members(n.h1):
        _cover(actor, n.h1, m, dt.date(2022, 11, 1))
    eldest = _members(n.h2)[0]
    _cover(actor, n.h2, eldest, dt.date(2022, 11, 1))
    _cover(actor, n.h2, eldest, dt.date(2022, 11, 1), kind="serious")
    for m in _members(n.h3):
        _cover(actor, n.h3, m, dt.date(2023, 3, 15))
    _cover(actor, n.h6, _members(n.h6)[0], dt.date(2022, 12, 1))
    h7 = _members(n.h7)[0]
    _cover(actor, n.h7, h7, dt.date(2022, 12, 1))
    _pay(
        actor,
        n.h2,
        eldest,
        "R1",
        dt.date(2023, 2, 10),
        "50000",
        basic_paid="30000",
        serious_paid="10000",
        assistance_paid="4000",
        other_paid="1000",
    )
    _pay(
        actor,
        n.h6,
        _members(n.h6)[0],
        "R2",
        dt.date(2023, 3, 1),
        "8000",
        basic_paid="5000",
        assistance_paid="1000",
    )
    _pay(actor, n.h3, _members(n.h3)[0], "R3", dt.date(2022, 12, 20), "3000", assistance_paid="500")
    _pay(actor, n.h7, h7, "R4", dt.date(2023, 5, 10), "1000", basic_paid="600")
    return n


def values(code, day, depth=0):
    return {n.code: {k: n.values[k] for k in CODES} for n in figures(code, as_of=day, depth=depth)}


def test_each_figure_by_hand_on_the_as_of_date(ledgers):
    v = values(TOWNSHIP, AS_OF, depth=1)
    assert v[VILLAGE] == {
        "students_aided": 1,  # A2
        "rainbow_plan_students": 0,
        "education_aid_amount": 625.0,
        "dropouts_open": 1,  # D2
        "medical_insured_people": 4,  # H1's three, H2's eldest
        "medical_insured_rate": round(4 / 6 * 100, 2),  # H1 3 + H2 3 registered
        "medical_cost": 50000.0,
        "medical_out_of_pocket": 5000.0,
        "out_of_pocket_share": 10.0,
    }
    assert v[NEIGHBOUR] == {
        "students_aided": 1,  # A4: H6 lives in 清塘村 on AS_OF
        "rainbow_plan_students": 0,
        "education_aid_amount": 1650.0,
        "dropouts_open": 0,
        "medical_insured_people": 3,  # H3's two, H6's one
        "medical_insured_rate": 75.0,  # H3 2 + H4 1 + H6 1
        "medical_cost": 8000.0,  # R2 (H6); R3 was settled in 2022
        "medical_out_of_pocket": 2000.0,
        "out_of_pocket_share": 25.0,
    }
    d = values(OTHER_TOWNSHIP_VILLAGE, AS_OF)[OTHER_TOWNSHIP_VILLAGE]
    # H5's Rainbow Plan; H7 was removed on 2023-06-01: its insured member is not a
    # registered person, its reimbursement still counts (any status).
    assert (d["students_aided"], d["rainbow_plan_students"], d["education_aid_amount"]) == (
        1,
        1,
        1500.0,
    )
    assert (d["medical_insured_people"], d["medical_insured_rate"]) == (0, 0.0)
    assert (d["medical_cost"], d["out_of_pocket_share"]) == (1000.0, 40.0)


def test_before_the_move_and_before_the_period(ledgers):
    v = values(TOWNSHIP, dt.date(2023, 4, 30), depth=1)
    assert v[VILLAGE]["students_aided"] == 2 and v[VILLAGE]["education_aid_amount"] == 2275.0
    assert v[NEIGHBOUR]["students_aided"] == 0
    assert v[VILLAGE]["medical_cost"] == 58000.0  # R1 + R2, H6 in 大坪村 then
    assert v[NEIGHBOUR]["medical_insured_people"] == 2  # H3's, enrolled 2023-03-15
    assert v[VILLAGE]["dropouts_open"] == 1  # D1 open
    v = values(COUNTY, dt.date(2023, 6, 5))[COUNTY]
    assert v["dropouts_open"] == 0  # D1 closed on 2023-06-01, D2 not yet opened
    v = values(COUNTY, dt.date(2022, 12, 31))[COUNTY]
    assert (v["students_aided"], v["education_aid_amount"]) == (1, 625.0)  # A1
    assert v["medical_insured_people"] == 0  # no cover of 2022
    assert (v["medical_cost"], v["out_of_pocket_share"]) == (3000.0, round(2500 / 3000 * 100, 2))


def test_levels_add_up(ledgers):
    nodes = figures(COUNTY, as_of=AS_OF, depth=2)
    county, townships = nodes[0], [n for n in nodes if n.level == 4]
    villages = [n for n in nodes if n.level == 5]
    for code in CODES:
        if code.endswith(("_rate", "_share")):
            continue
        assert county.values[code] == pytest.approx(sum(t.values[code] for t in townships))
        for t in townships:
            kids = [v.values[code] for v in villages if v.parent == t.code]
            assert t.values[code] == pytest.approx(sum(kids)), (t.code, code)
    assert county.values["education_aid_amount"] == 3775.0
    assert county.values["out_of_pocket_share"] == round(7400 / 59000 * 100, 2)


def test_todays_figures_equal_orm_counts(ledgers, users):
    """Rows dated today: each village's figures of today equal counts over the tables
    with the ORM (grouped by the rows' village, the households' now)."""
    n = ledgers
    today = timezone.localdate()
    actor = users["county"]
    h4 = _members(n.h4)[0]
    _aid(actor, n.h4, h4, "rainbow_plan", "vocational", today.year, "autumn", "1500", today)
    _aid(actor, n.h5, _members(n.h5)[0], "grant", "senior", today.year, "autumn", "1000", today)
    for h in (n.h4, n.h5, n.h1):
        for m in _members(h):
            _cover(actor, h, m, today, year=today.year)
    _pay(actor, n.h4, h4, "T1", today, "2000", basic_paid="1200")
    start = dt.date(today.year, 1, 1)
    nodes = {x.code: x.values for x in figures(COUNTY, depth=2) if x.level == 5}
    aid = (
        StudentAid.objects.filter(paid_on__range=(start, today))
        .values("village_id")
        .annotate(students=Count("member", distinct=True), amount=Sum("amount"))
    )
    for row in aid:
        got = nodes[row["village_id"]]
        assert got["students_aided"] == row["students"]
        assert got["education_aid_amount"] == float(row["amount"])
    insured = (
        Cover.objects.filter(
            kind="basic",
            year=today.year,
            insured_on__lte=today,
            household__status__in=["poor", "returned", "exited"],
        )
        .values("village_id")
        .annotate(people=Count("member", distinct=True))
    )
    assert {r["village_id"]: r["people"] for r in insured} == {
        code: v["medical_insured_people"]
        for code, v in nodes.items()
        if v["medical_insured_people"]
    }
    cost = Reimbursement.objects.filter(settled_on__range=(start, today)).aggregate(
        c=Sum("total_cost"), o=Sum("out_of_pocket")
    )
    county = figures(COUNTY, depth=0)[0].values
    assert county["medical_cost"] == float(cost["c"]) == 2000.0
    assert county["out_of_pocket_share"] == round(float(cost["o"]) / float(cost["c"]) * 100, 2)


def test_snapshot_keeps_the_figures_and_an_old_one_has_no_data(ledgers, monkeypatch):
    new = snapshots.create(actor=None, area_code=COUNTY, as_of=AS_OF)
    assert values(COUNTY, AS_OF)[COUNTY] == {
        k: figures(COUNTY, snapshot=new, depth=0)[0].values[k] for k in CODES
    }
    ledger_columns = (*fr.EDUCATION_COLUMNS, *fr.HEALTH_COLUMNS)
    old_schema = {k: v for k, v in fr.HOUSEHOLD_SCHEMA.items() if k not in ledger_columns}
    monkeypatch.setitem(snapshots.SCHEMAS, "households", old_schema)
    old = snapshots.create(actor=None, area_code=COUNTY, as_of=AS_OF)
    monkeypatch.undo()
    frames = snapshots.read(old)
    assert not set(ledger_columns) & set(frames.households.columns)
    assert set(engine.EDUCATION) | set(engine.HEALTH) <= engine.missing_counts(frames)
    for node in figures(COUNTY, snapshot=old, depth=2):
        assert {node.values[k] for k in CODES} == {None}, node.code
        assert node.values["microcredit_balance"] is not None  # the rest is there


def test_dashboard_shows_the_figures(client, users, ledgers):
    client.force_login(users["county"])
    html = client.get(reverse("dashboards:area", args=[COUNTY])).content.decode()
    node = figures(COUNTY, depth=0)[0]
    for code in ("students_aided", "medical_insured_rate"):
        shown = figure_value(dashboard.figure(code, node.values))
        assert f'data-code="{code}"' in html and shown in html
