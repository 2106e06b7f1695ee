"""The training and benefit-linking figures, counted by hand on the crafted registry with
courses, attendances, links and dividends recorded through their services (their dates,
not the records', decide), and checked against ORM counts:

Courses (held for the county): C1 2023-03-01 → 03-10, C2 2022-05-01 → 05-05.

========  ===============================  =============================================
H1 m0     大坪村, ordinary labour          C1 completed, certificate 2023-03-15
H2 m0     大坪村, lost labour capacity     C2 completed (not a labourer)
H2 m1     大坪村, ordinary labour          C1 dropped
H3 m0     清塘村 (exited 2022), skilled    C2 completed, certificate 2022-05-10
H6 m0     大坪村→清塘村 (2023-05-20)        C1 completed, certificate 2023-03-20
H7 m0     大路铺村 (removed 2023-06-01)     C1 completed
========  ===============================  =============================================

Links to E1 (an enterprise of 大坪村), all confirmed but L5:

====  ====  ============  ========================  ==============================
L1    H1    shareholding  from 2022-06-01           dividend 2022: 400, 2023-01-20
L7    H1    direct        from 2023-01-01
L2    H2    direct        from 2023-07-01 (AS_OF+1)
L3    H3    employment    2022-01-01 → 2023-05-31
L4    H6    entrusted     from 2022-03-01           dividend 2022: 400, 2023-02-10
L5    H4    direct        from 2022-03-01, proposed only
L6    H7    order         from 2022-03-01
====  ====  ============  ========================  ==============================
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE, give_status
from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.assistance import due
from fupin.dashboards import selectors as dashboard
from fupin.dashboards.templatetags.dashboards import figure_value
from fupin.indicators import engine, snapshots
from fupin.indicators import frames as fr
from fupin.indicators.selectors import figures
from fupin.indicators.tests.conftest import AS_OF
from fupin.industry import services as industry
from fupin.industry.models import BenefitLink, Dividend
from fupin.industry.tests.authority_invokers import credit_code
from fupin.registry import choices as c
from fupin.registry.models import Household
from fupin.training import rules as training_rules
from fupin.training import services as training
from fupin.training.models import Attendance

COUNTY = "431129000000"
TOWNSHIP = "431129100000"
TR = ("trained_labourers", "certified_labourers", "training_completions")
IL = (
    "households_benefit_linked",
    "benefit_linked_direct",
    "benefit_linked_entrusted",
    "benefit_linked_shareholding",
    "benefit_linked_employment",
    "benefit_linked_order",
    "dividend_households",
    "dividends_paid",
)


def _course(actor, code, starts, ends):
    return training.course_create(
        actor=actor,
        data={
            "code": code,
            "name": f"{code}培训班",
            "kind": "vocational",
            "skill": "电工",
            "organiser": "县人社局",
            "division_id": COUNTY,
            "place": "县职校",
            "starts_on": starts,
            "ends_on": ends,
            "hours": 80,
        },
    )


def _attend(actor, course, household, index, **data):
    member = household.members.filter(is_active=True).order_by("id")[index]
    return training.attendance_record(
        actor=actor, course=course, household=household, member=member, data=data
    )


@pytest.fixture
def ledgers(crafted, users):
    county = users["county"]
    n = crafted
    c1 = _course(county, "C1", dt.date(2023, 3, 1), dt.date(2023, 3, 10))
    c2 = _course(county, "C2", dt.date(2022, 5, 1), dt.date(2022, 5, 5))
    cert = {"certificate_kind": "completion"}
    _attend(
        county,
        c1,
        n.h1,
        0,
        certificate_number="Z1",
        certificate_issued_on=dt.date(2023, 3, 15),
        **cert,
    )
    _attend(county, c2, n.h2, 0)
    _attend(county, c1, n.h2, 1, result="dropped")
    _attend(
        county,
        c2,
        n.h3,
        0,
        certificate_number="Z3",
        certificate_issued_on=dt.date(2022, 5, 10),
        **cert,
    )
    _attend(
        county,
        c1,
        n.h6,
        0,
        certificate_number="Z6",
        certificate_issued_on=dt.date(2023, 3, 20),
        **cert,
    )
    # H7 was removed on 2023-06-01; the services judge a household by its status now, so
    # its rows are recorded while it is given back its status for a moment (test setup,
    # recorded now: the figures as of past days read the history before).
    give_status(n.h7, c.HouseholdStatus.POOR, 2022)
    _attend(county, c1, n.h7, 0)

    decider = User.objects.create_user(
        username="county2", password="x", role=Role.COUNTY_OFFICE, area_id=COUNTY
    )
    e1 = industry.enterprise_register(
        actor=county,
        data={
            "name": "瑶山油茶专业合作社",
            "credit_code": credit_code(),
            "kind": "cooperative",
            "sector": "planting",
            "division_id": VILLAGE,
        },
    )

    def link(h, mode, starts, ends=None, amount=None, confirm=True):
        made = industry.link_propose(
            actor=county,
            enterprise=e1,
            household=h,
            data={"mode": mode, "starts_on": starts, "ends_on": ends, "amount": amount},
        )
        if confirm:
            industry.link_decide(actor=decider, link=made, approve=True)
        made.refresh_from_db()
        return made

    five = Decimal("5000")
    n.l1 = link(n.h1, "shareholding", dt.date(2022, 6, 1), amount=five)
    n.l7 = link(n.h1, "direct", dt.date(2023, 1, 1))
    n.l2 = link(n.h2, "direct", dt.date(2023, 7, 1))
    n.l3 = link(n.h3, "employment", dt.date(2022, 1, 1), ends=dt.date(2023, 5, 31))
    n.l4 = link(n.h6, "entrusted", dt.date(2022, 3, 1), amount=five)
    n.l5 = link(n.h4, "direct", dt.date(2022, 3, 1), confirm=False)
    n.l6 = link(n.h7, "order", dt.date(2022, 3, 1))
    give_status(n.h7, c.HouseholdStatus.REMOVED, 2023)
    for made, paid_on in ((n.l1, dt.date(2023, 1, 20)), (n.l4, dt.date(2023, 2, 10))):
        industry.dividend_record(
            actor=county, link=made, data={"year": 2022, "amount": "400", "paid_on": paid_on}
        )
    return n


def values(code, day, codes, depth=1):
    return {n.code: {k: n.values[k] for k in codes} for n in figures(code, as_of=day, depth=depth)}


def test_training_by_hand_on_the_as_of_date(ledgers):
    v = values(TOWNSHIP, AS_OF, TR)
    # 大坪村: H1 m0 (C1, certified); H2 m0 lost labour, H2 m1 dropped.
    assert v[VILLAGE] == {
        "trained_labourers": 1,
        "certified_labourers": 1,
        "training_completions": 1,
    }
    # 清塘村: H3 m0 (C2 in 2022, certified) and H6 m0, moved there on 2023-05-20.
    assert v[NEIGHBOUR] == {
        "trained_labourers": 2,
        "certified_labourers": 2,
        "training_completions": 1,
    }
    # 大路铺村: H7 removed on 2023-06-01, no longer due assistance.
    assert set(
        values(OTHER_TOWNSHIP_VILLAGE, AS_OF, TR, depth=0)[OTHER_TOWNSHIP_VILLAGE].values()
    ) == {0}


def test_training_before_the_move_and_the_removal(ledgers):
    v = values(TOWNSHIP, dt.date(2023, 5, 19), TR)
    assert v[VILLAGE] == {
        "trained_labourers": 2,
        "certified_labourers": 2,
        "training_completions": 2,
    }
    assert v[NEIGHBOUR]["trained_labourers"] == 1
    d = values(OTHER_TOWNSHIP_VILLAGE, dt.date(2023, 5, 31), TR, depth=0)[OTHER_TOWNSHIP_VILLAGE]
    assert d == {"trained_labourers": 1, "certified_labourers": 0, "training_completions": 1}


def test_training_in_2022(ledgers):
    v = values(TOWNSHIP, dt.date(2022, 12, 31), TR)
    # C2 completed by H2 m0 (not a labourer: a completion all the same) and H3 m0.
    assert v[VILLAGE] == {
        "trained_labourers": 0,
        "certified_labourers": 0,
        "training_completions": 1,
    }
    assert v[NEIGHBOUR] == {
        "trained_labourers": 1,
        "certified_labourers": 1,
        "training_completions": 1,
    }


def test_benefit_links_by_hand_on_the_as_of_date(ledgers):
    v = values(TOWNSHIP, AS_OF, IL)
    assert v[VILLAGE] == {
        "households_benefit_linked": 1,  # H1, in two modes
        "benefit_linked_direct": 1,
        "benefit_linked_entrusted": 0,
        "benefit_linked_shareholding": 1,
        "benefit_linked_employment": 0,
        "benefit_linked_order": 0,
        "dividend_households": 1,
        "dividends_paid": 400.0,
    }
    # 清塘村: H6's entrusted link moved with it; H3's ended on 2023-05-31; H4's proposed.
    assert v[NEIGHBOUR]["households_benefit_linked"] == 1
    assert v[NEIGHBOUR]["benefit_linked_entrusted"] == 1
    assert v[NEIGHBOUR]["dividends_paid"] == 400.0
    far = values(OTHER_TOWNSHIP_VILLAGE, AS_OF, IL, depth=0)[OTHER_TOWNSHIP_VILLAGE]
    assert (far["households_benefit_linked"], far["benefit_linked_order"]) == (1, 1)  # any status


def test_benefit_links_on_other_days(ledgers):
    v = values(TOWNSHIP, dt.date(2023, 3, 31), IL)
    assert v[VILLAGE]["households_benefit_linked"] == 2  # H1 and H6, before its move
    assert v[VILLAGE]["dividends_paid"] == 800.0
    assert v[NEIGHBOUR]["benefit_linked_employment"] == 1  # H3's link, its last day ahead
    after = values(TOWNSHIP, AS_OF + dt.timedelta(days=1), IL)[VILLAGE]
    assert after["benefit_linked_direct"] == 2  # H2's link from 2023-07-01
    before = values(COUNTY, dt.date(2022, 12, 31), IL, depth=0)[COUNTY]
    assert (before["dividend_households"], before["dividends_paid"]) == (0, 0.0)


def test_levels_add_up(ledgers):
    nodes = figures(COUNTY, as_of=AS_OF, depth=2)
    county, townships = nodes[0], [n for n in nodes if n.level == 4]
    villages = [n for n in nodes if n.level == 5]
    for code in (*TR, *IL):
        assert county.values[code] == pytest.approx(sum(t.values[code] for t in townships))
        for t in townships:
            kids = [v.values[code] for v in villages if v.parent == t.code]
            assert t.values[code] == pytest.approx(sum(kids)), (t.code, code)
    assert county.values["dividends_paid"] == 800.0
    assert county.values["households_benefit_linked"] == 3


def test_todays_figures_equal_orm_counts(ledgers):
    """Today's county figures against ORM counts of the same rules: the households due
    assistance today (`assistance.due.due_q`), the labourers among their current members
    trained (a completed course that has ended), and the current confirmed links."""
    today = timezone.localdate()
    node = figures(COUNTY, depth=0)[0].values
    due_households = Household.objects.filter(due.due_q(today, due.periods())).values("pk")
    trained = Attendance.objects.filter(
        result="completed",
        course__ends_on__lte=today,
        member__is_active=True,
        member__labour__in=training_rules.LABOURER,
        member__household__in=due_households,
    )
    assert node["trained_labourers"] == trained.values("member").distinct().count()
    certified = trained.filter(certificate_issued_on__lte=today)
    assert node["certified_labourers"] == certified.values("member").distinct().count()
    current = BenefitLink.objects.filter(status="confirmed", starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )
    assert node["households_benefit_linked"] == current.values("household").distinct().count()
    for mode in ("direct", "entrusted", "shareholding", "employment", "order"):
        expected = current.filter(mode=mode).values("household").distinct().count()
        assert node[f"benefit_linked_{mode}"] == expected, mode
    paid = Dividend.objects.filter(paid_on__gte=dt.date(today.year, 1, 1), paid_on__lte=today)
    assert node["dividends_paid"] == float(sum(d.amount for d in paid))


def test_frames_carry_the_columns_of_the_row_forms(ledgers):
    hh = fr.load("431129", AS_OF).households
    h1 = hh.filter(hh["household_id"] == ledgers.h1.pk).row(0, named=True)
    assert (h1["tr_trained"], h1["tr_certified"], h1["il_linked"], h1["il_dividends"]) == (
        1,
        1,
        True,
        400.0,
    )
    assert (h1["il_direct"], h1["il_shareholding"], h1["il_order"]) == (True, True, False)


def test_snapshot_keeps_the_figures_and_an_old_one_has_no_data(ledgers, monkeypatch):
    new = snapshots.create(actor=None, area_code=COUNTY, as_of=AS_OF)
    live = values(COUNTY, AS_OF, (*TR, *IL), depth=0)[COUNTY]
    assert live == {k: figures(COUNTY, snapshot=new, depth=0)[0].values[k] for k in (*TR, *IL)}
    gone = set(fr.TRAINING_COLUMNS) | set(fr.INDUSTRY_COLUMNS)
    old_schema = {k: v for k, v in fr.HOUSEHOLD_SCHEMA.items() if k not in gone}
    monkeypatch.setitem(snapshots.SCHEMAS, "households", old_schema)
    old = snapshots.create(actor=None, area_code=COUNTY, as_of=AS_OF)
    monkeypatch.undo()
    frames = snapshots.read(old)
    assert set(engine.COLUMN_COUNTS) <= engine.missing_counts(frames)
    for node in figures(COUNTY, snapshot=old, depth=2):
        assert {node.values[k] for k in (*TR, *IL)} == {None}, node.code
        assert node.values["registered_households"] is not None


def test_dashboard_shows_the_figures(client, users, ledgers):
    client.force_login(users["county"])
    html = client.get(reverse("dashboards:area", args=[COUNTY])).content.decode()
    node = figures(COUNTY, depth=0)[0]
    for code in ("trained_labourers", "households_benefit_linked"):
        assert f'data-code="{code}"' in html
        assert figure_value(dashboard.figure(code, node.values)) in html
