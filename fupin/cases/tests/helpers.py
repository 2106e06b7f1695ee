"""Shared helpers of the case tests: households with income and assessments, and
walking a case through its steps as the right users."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from conftest import HOUSEHOLD_DATA, VILLAGE, make_id, member_data, registered_household
from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.cases import services
from fupin.cases.models import Case, StepDecision
from fupin.registry import services as registry
from fupin.registry.models import Assessment

TODAY = dt.date(2016, 12, 1)
ALL_MET = dict.fromkeys(Assessment.CONDITIONS, True)
ROLE_USER = {
    Role.VILLAGE_STAFF: "village",
    Role.TOWNSHIP_STATION: "township",
    Role.COUNTY_OFFICE: "county",
}


def make_household(users, name, seq, *, wages="2500", status="poor", village=VILLAGE, **cond):
    actor = users["village"] if village == VILLAGE else users["county"]
    h = registered_household(
        actor=actor,
        village_code=village,
        data=dict(HOUSEHOLD_DATA),
        status=status,
        reason="registration",
    )
    registry.member_add(
        actor=actor,
        household=h,
        data=member_data(id_number=make_id(seq=seq), name=name),
        date=dt.date(2016, 3, 1),
    )
    registry.income_set(
        actor=actor,
        household=h,
        year=2016,
        data={"household_size": 1, "wages": Decimal(wages)},
    )
    registry.assessment_set(
        actor=actor,
        household=h,
        year=2016,
        data={**ALL_MET, **cond, "assessed_on": dt.date(2016, 11, 1), "assessor": "王"},
    )
    return h


def second_user(users, name: str):
    """Another user of the same role and area as users[name] (created once): the second
    pair of eyes a four-eyes review needs when users[name] did an earlier step."""
    first = users[name]
    user, _created = User.objects.get_or_create(
        username=f"{name}2", defaults={"role": first.role, "area_id": first.area_id}
    )
    return user


def user_for(users, case: Case):
    """A user who may do the case's current step: the role's user of `users`, or a second
    user of that role when the four-eyes rule keeps the first from it."""
    user = users[ROLE_USER[case.current_step.role]]
    if services.may_do_step(user, case):
        return user
    return second_user(users, ROLE_USER[case.current_step.role])


def do(users, case: Case, decision=StepDecision.DONE, reason="", today=TODAY) -> Case:
    step = case.current_step
    return services.step_do(
        actor=user_for(users, case),
        case=case,
        step=step.code,
        decision=StepDecision.APPROVE if step.review and decision == "done" else decision,
        evidence="" if step.review else f"{step.code} 记录",
        reason=reason,
        today=today,
    )


def walk_to_notice(users, case: Case, today=TODAY) -> Case:
    while not case.current_step.notice:
        case = do(users, case, today=today)
    return case


def walk_to_end(users, case: Case, today=TODAY) -> Case:
    while case.current_step is not None:
        case = do(users, case, today=today)
    return case


def post_notice(users, cases, posted_on=TODAY, phone="0746-1234567"):
    return services.notice_create(
        actor=users["village"],
        village_code=cases[0].household.village_id,
        cases=cases,
        posted_on=posted_on,
        phone=phone,
    )
