import datetime as dt

import pytest

from conftest import NEIGHBOUR
from fupin.assistance import choices as c
from fupin.assistance import selectors, services
from fupin.assistance.models import AssistancePolicy
from fupin.core.errors import DomainError, NotAllowed, OutsideArea

START = dt.date(2024, 1, 1)
AS_OF = dt.date(2024, 6, 30)


def pair(users, cadre, h):
    return services.pairing_create(
        actor=users["county"], cadre=cadre, household=h, kind="contact", start_date=START
    )


def visit(users, cadre, h, day, actor="village"):
    return services.visit_record(
        actor=users[actor], cadre=cadre, household=h, date=day, purpose=c.VisitPurpose.FOLLOW_UP
    )


def test_overdue_cadre_is_listed_and_compliant_is_not(users, make_cadre, make_household):
    good, late, never = make_cadre(name="按时"), make_cadre(name="逾期"), make_cadre(name="未访")
    h1, h2, h3 = make_household(), make_household(), make_household()
    for cadre, h in [(good, h1), (late, h2), (never, h3)]:
        pair(users, cadre, h)
    visit(users, good, h1, dt.date(2024, 6, 20))
    visit(users, late, h2, dt.date(2024, 5, 1))
    overdue = selectors.overdue_cadres(user=users["township"], as_of=AS_OF)
    names = {o.cadre.name: o.households for o in overdue}
    assert set(names) == {"逾期", "未访"}
    assert names["逾期"] == [(h2, dt.date(2024, 5, 1))]
    assert names["未访"] == [(h3, None)]
    # The neighbouring village sees none of them.
    assert selectors.overdue_cadres(user=users["neighbour"], as_of=AS_OF) == []


def test_frequency_comes_from_the_policy(users, make_cadre, make_household):
    cadre, h = make_cadre(), make_household()
    pair(users, cadre, h)
    visit(users, cadre, h, dt.date(2024, 6, 10))
    assert selectors.overdue_cadres(user=users["county"], as_of=AS_OF) == []
    # Jianghua: at least twice a month.
    AssistancePolicy.objects.create(region_id="431129000000", visit_interval_days=15)
    assert [o.cadre for o in selectors.overdue_cadres(user=users["county"], as_of=AS_OF)] == [cadre]


def test_visit_only_by_a_paired_cadre_and_in_scope(users, make_cadre, make_household):
    cadre, h = make_cadre(), make_household()
    with pytest.raises(DomainError):
        visit(users, cadre, h, dt.date(2024, 3, 1))
    pair(users, cadre, h)
    with pytest.raises(OutsideArea):
        visit(users, cadre, h, dt.date(2024, 3, 1), actor="neighbour")
    with pytest.raises(NotAllowed):
        visit(users, cadre, h, dt.date(2024, 3, 1), actor="department")
    with pytest.raises(DomainError):
        visit(users, cadre, h, dt.date.today() + dt.timedelta(days=1))
    # The cadre's own user account may record it.
    cadre.user = users["cadre"]
    cadre.save()
    v = visit(users, cadre, h, dt.date(2024, 3, 1), actor="cadre")
    assert v.recorded_by == users["cadre"]


def test_plan_measures_and_panel(users, make_cadre, make_household):
    from decimal import Decimal

    cadre, h = make_cadre(), make_household()
    pair(users, cadre, h)
    services.household_plan_save(
        actor=users["village"], household=h, goals="发展养殖", expected_income=Decimal("12000")
    )
    services.household_plan_save(actor=users["village"], household=h, goals="发展养殖和务工")
    services.measure_add(
        actor=users["village"],
        household=h,
        kind=c.MeasureKind.MICRO_CREDIT,
        amount=Decimal("50000"),
        date=START,
        provider="农商银行",
    )
    panel = selectors.household_assistance(user=users["village"], household=h)
    assert panel["plan"].goals == "发展养殖和务工"
    assert [p.cadre for p in panel["pairings"]] == [cadre]
    assert len(panel["measures"]) == 1
    assert selectors.household_assistance(user=users["neighbour"], household=h) is None
    with pytest.raises(OutsideArea):
        services.village_plan_save(actor=users["village"], village_code=NEIGHBOUR, goals="x")
    assert services.village_plan_save(actor=users["village"], village_code=h.village_id, goals="y")
