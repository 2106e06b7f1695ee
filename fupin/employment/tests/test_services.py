"""The posts and employment services: who may hold a post (each refusal), the four-eyes
appointment, the end and the pay of a holding, jobs and transport subsidies, the scope,
the history, and the grading signal `lost_post`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, give_status, make_id, member_data
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.employment import rules, selectors, services
from fupin.employment.models import Holding, HoldingStatus, Placement
from fupin.employment.tests.authority_invokers import person, post
from fupin.monitoring import grading
from fupin.monitoring.hooks import grade_signals
from fupin.programmes.checks import Closed
from fupin.registry import choices as c
from fupin.registry import services as registry

START = dt.date(2024, 3, 1)


def propose(users, the_post, member, start=START):
    return services.holding_propose(
        actor=users["village"], post=the_post, member=member, start_on=start
    )


@pytest.fixture
def ranger(users):
    return post(users)


@pytest.fixture
def holding(users, household, ranger):
    h = propose(users, ranger, household.members.get())
    return services.holding_decide(actor=users["township"], holding=h, approve=True, today=START)


def _errors(call):
    with pytest.raises(ValidationFailed) as exc:
        call()
    return exc.value.errors


def test_propose_and_appoint_record_history(users, household, holding):
    assert holding.status == HoldingStatus.APPROVED and holding.decided_on == START
    assert holding.village_id == household.village_id
    types = [r.object_type for r in history_of(household)]
    assert types.count("employment.holding") == 2  # proposed, then appointed


@pytest.mark.parametrize(
    ("status", "ok"),
    [
        (c.HouseholdStatus.POOR, True),
        (c.HouseholdStatus.MONITORED, True),
        (c.HouseholdStatus.REMOVED, False),
        (c.HouseholdStatus.CANDIDATE, False),
    ],
)
def test_only_a_household_due_assistance_may_hold_a_post(users, household, ranger, status, ok):
    give_status(household, status, 2020)
    call = lambda: propose(users, ranger, household.members.get())  # noqa: E731
    if ok:
        assert call().pk
    else:
        assert "household" in _errors(call)


def test_an_exited_household_past_its_transition_period_may_not(users, household):
    give_status(household, c.HouseholdStatus.EXITED, 2017)  # exited 2017-12-31: due to 2022
    member = household.members.get()
    ranger = post(users, opened_on=dt.date(2020, 1, 1))
    assert "household" in _errors(lambda: propose(users, ranger, member, dt.date(2023, 1, 2)))
    assert propose(users, ranger, member, dt.date(2022, 12, 31)).pk


@pytest.mark.parametrize(
    ("labour", "ok"),
    [
        (c.LabourCapacity.WEAK, True),
        (c.LabourCapacity.SKILLED, True),
        (c.LabourCapacity.LOST, False),
        (c.LabourCapacity.NONE, False),
    ],
)
def test_a_holder_must_be_able_to_work(users, ranger, labour, ok):
    member = person(users, labour=labour)
    if ok:
        assert propose(users, ranger, member).pk
    else:
        assert "member" in _errors(lambda: propose(users, ranger, member))


@pytest.mark.parametrize(
    ("birth", "ok"),
    [("20060301", True), ("20060302", False), ("19630302", True), ("19630301", False)],
)
def test_a_holder_is_18_to_60_on_the_first_day(users, household, ranger, birth, ok):
    member = registry.member_add(
        actor=users["village"],
        household=household,
        data=member_data(id_number=make_id(birth=birth, seq="781"), name="新人", relation="son"),
    )
    if ok:
        assert propose(users, ranger, member).pk
    else:
        assert "member" in _errors(lambda: propose(users, ranger, member))


def test_the_post_must_be_open_and_in_the_households_township(users, household):
    member = household.members.get()
    closed = post(users, opened_on=dt.date(2024, 6, 1))
    assert "post" in _errors(lambda: propose(users, closed, member))
    # A post of another township (the county creates it; the village could not).
    far = services.post_create(
        actor=users["county"],
        data={
            "code": "GY-FAR",
            "kind": "cleaner",
            "unit": "村委会",
            "village_id": OTHER_TOWNSHIP_VILLAGE,
            "monthly_pay": Decimal("600"),
            "funding": "county",
            "opened_on": dt.date(2023, 1, 1),
        },
    )
    errors = _errors(lambda: propose(users, far, member))
    assert errors["post"] == [rules.HOLDING_CHECKS[4].reason()]


def test_one_post_one_holder_and_one_holder_one_post(users, household, ranger, holding):
    other = person(users)
    assert "post" in _errors(lambda: propose(users, ranger, other, dt.date(2025, 1, 1)))
    second_post = post(users)
    member = household.members.get()
    assert "member" in _errors(lambda: propose(users, second_post, member, dt.date(2025, 1, 1)))
    # Once the first holding has ended, both may go on.
    services.holding_end(
        actor=users["village"], holding=holding, end_on=dt.date(2024, 12, 1), end_reason="resigned"
    )
    assert propose(users, ranger, other, dt.date(2024, 12, 1)).pk
    assert propose(users, second_post, member, dt.date(2025, 1, 1)).pk


def test_appointment_four_eyes_and_roles(users, household, ranger):
    h = services.holding_propose(
        actor=users["township"], post=ranger, member=household.members.get(), start_on=START
    )
    with pytest.raises(NotAllowed):  # the proposer may not appoint
        services.holding_decide(actor=users["township"], holding=h, approve=True)
    with pytest.raises(NotAllowed):  # village staff may not decide
        services.holding_decide(actor=users["village"], holding=h, approve=True)
    with pytest.raises(OutsideArea):
        services.holding_decide(actor=users["other_county"], holding=h, approve=True)
    refused = services.holding_decide(actor=users["county"], holding=h, approve=False)
    assert refused.status == HoldingStatus.REFUSED
    # The same proposal again is refused with the reason (not a database error) …
    assert _errors(lambda: propose(users, ranger, household.members.get())) == {
        "start_on": [rules.refused_before()]
    }
    # … and a refused proposal blocks nobody.
    assert propose(users, ranger, person(users)).pk


def test_a_proposal_is_decided_once(users, household, ranger, holding):
    from fupin.core.errors import AlreadyDecided

    with pytest.raises(AlreadyDecided):
        services.holding_decide(actor=users["county"], holding=holding, approve=False)


def test_pay_rules(users, holding):
    pay = lambda **kw: services.payment_record(  # noqa: E731
        actor=users["village"],
        holding=holding,
        **{"month": START, "amount": "833.33", "paid_on": dt.date(2024, 4, 5), **kw},
    )
    assert "month" in _errors(lambda: pay(month=dt.date(2024, 2, 1)))  # before the start
    assert "amount" in _errors(lambda: pay(amount="833.34"))  # above the monthly pay
    assert "amount" in _errors(lambda: pay(amount="0"))
    assert "paid_on" in _errors(lambda: pay(paid_on=dt.date(2024, 2, 28)))
    assert pay(month=dt.date(2024, 3, 17)).month == START  # any day of the month
    assert "month" in _errors(pay)  # once a month


def test_a_proposed_holder_is_not_paid(users, household, ranger):
    h = propose(users, ranger, household.members.get())
    errors = _errors(
        lambda: services.payment_record(
            actor=users["village"], holding=h, month=START, amount="800", paid_on=START
        )
    )
    assert "holding" in errors


def test_end_rules(users, holding):
    services.payment_record(
        actor=users["village"],
        holding=holding,
        month=dt.date(2024, 6, 1),
        amount="833.33",
        paid_on=dt.date(2024, 7, 5),
    )
    end = lambda day: services.holding_end(  # noqa: E731
        actor=users["village"], holding=holding, end_on=day, end_reason="moved"
    )
    assert "end_on" in _errors(lambda: end(dt.date(2024, 6, 1)))  # June is paid
    assert "end_on" in _errors(lambda: end(START))  # not after the start
    ended = end(dt.date(2024, 7, 1))
    assert ended.end_on == dt.date(2024, 7, 1) and ended.end_reason == "moved"
    with pytest.raises(Closed):
        end(dt.date(2024, 8, 1))


def test_a_post_closes_only_once_its_holders_have_gone(users, holding):
    close = lambda day: services.post_close(  # noqa: E731
        actor=users["village"], post=holding.post, closed_on=day, reason="合并岗位"
    )
    assert "closed_on" in _errors(lambda: close(dt.date(2025, 1, 1)))
    services.holding_end(
        actor=users["village"],
        holding=holding,
        end_on=dt.date(2025, 1, 1),
        end_reason="post_closed",
    )
    assert close(dt.date(2025, 1, 1)).closed_on == dt.date(2025, 1, 1)


def test_scope(users, household, neighbour_household, ranger):
    with pytest.raises(OutsideArea):
        services.holding_propose(
            actor=users["neighbour"], post=ranger, member=household.members.get(), start_on=START
        )
    with pytest.raises(NotAllowed):  # a read-only role
        services.placement_record(
            actor=users["department"],
            household=household,
            member=household.members.get(),
            data={},
        )


def job(users, member, **over):
    data = {
        "kind": "migrant",
        "employer": "东莞电子厂",
        "place": "广东省东莞市",
        "place_scope": "out_province",
        "start_on": dt.date(2024, 2, 20),
        "monthly_income": Decimal("4500"),
        **over,
    }
    return services.placement_record(
        actor=users["village"], household=member.household, member=member, data=data
    )


def test_jobs_and_their_rules(users, household):
    member = household.members.get()
    p = job(users, member)
    assert p.village_id == household.village_id
    assert "start_on" in _errors(lambda: job(users, member))  # the same job again
    assert "end_on" in _errors(
        lambda: job(users, member, employer="另一家", end_on=dt.date(2024, 2, 20))
    )
    young = registry.member_add(
        actor=users["village"],
        household=household,
        data=member_data(id_number=make_id(birth="20090301", seq="782"), relation="son"),
    )
    assert "member" in _errors(lambda: job(users, young))  # under 16 on the first day
    assert "end_on" in _errors(
        lambda: services.placement_end(actor=users["village"], placement=p, end_on=p.start_on)
    )
    services.placement_end(actor=users["village"], placement=p, end_on=dt.date(2024, 10, 1))
    with pytest.raises(Closed):
        services.placement_end(actor=users["village"], placement=p, end_on=dt.date(2024, 11, 1))


def test_transport_subsidy_away_from_the_county_once_a_year(users, household):
    member = household.members.get()
    away = job(users, member)
    near = job(users, member, employer="县工业园", place_scope="in_county", place="县城")
    subsidy = lambda p, day: services.subsidy_record(  # noqa: E731
        actor=users["village"], placement=p, paid_on=day, amount="500"
    )
    assert "placement" in _errors(lambda: subsidy(near, dt.date(2024, 3, 1)))
    assert "paid_on" in _errors(lambda: subsidy(away, dt.date(2024, 2, 1)))  # before the job
    assert subsidy(away, dt.date(2024, 3, 1)).year == 2024
    assert "paid_on" in _errors(lambda: subsidy(away, dt.date(2024, 12, 1)))
    assert subsidy(away, dt.date(2025, 2, 20)).year == 2025


def test_lost_post_signal_is_registered_and_named_by_the_default_rules(users, holding):
    assert "lost_post" in grade_signals()
    named = [n for rule in grading.DEFAULT_RULES.values() for n in _signals(rule)]
    assert "lost_post" in named
    hid = holding.household_id
    # Held in February 2025 and paid for it: not lost on 2025-03-10.
    services.payment_record(
        actor=users["village"],
        holding=holding,
        month=dt.date(2025, 2, 1),
        amount="833.33",
        paid_on=dt.date(2025, 3, 5),
        today=dt.date(2025, 3, 5),
    )
    assert selectors.lost_post_households([hid], dt.date(2025, 3, 10)) == set()
    # Not paid for March: lost on 2025-04-10.
    assert selectors.lost_post_households([hid, 9999], dt.date(2025, 4, 10)) == {hid}
    # Ended in March, no new post: lost in April (whatever the pay).
    services.holding_end(
        actor=users["village"],
        holding=holding,
        end_on=dt.date(2025, 3, 20),
        end_reason="resigned",
        today=dt.date(2025, 4, 1),
    )
    assert selectors.lost_post_households([hid], dt.date(2025, 4, 10)) == {hid}
    # Before the end, the as-of day sees the post held and February paid.
    assert selectors.lost_post_households([hid], dt.date(2025, 3, 19)) == set()


def _signals(rule) -> list[str]:
    out: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "signal":
                    out.extend(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(rule)
    return out


def test_the_grading_round_names_a_lost_post(users, household, holding):
    """A round of the village as of April 2025 grades the holder's household (exited,
    without its pay for March) orange for the signal."""
    from fupin.monitoring.grading import grade_round

    give_status(household, c.HouseholdStatus.EXITED, 2024)
    result = grade_round(area=household.village_id, name="2025 Q1", as_of=dt.date(2025, 4, 10))
    assert result.round is not None
    grade = result.round.grades.get(household=household)
    assert "O4" in str(grade.reasons)


def test_placements_follow_their_household(users, household):
    from fupin.registry.hooks import households_moved
    from fupin.registry.models import Household

    p = job(users, household.members.get())
    Household.objects.filter(pk=household.pk).update(village_id=NEIGHBOUR)
    households_moved([household.pk])
    assert Placement.objects.get(pk=p.pk).village_id == NEIGHBOUR
    assert Holding.objects.filter(household=household).count() == 0
