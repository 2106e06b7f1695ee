"""The system path for warnings (`services.warnings_raise_system`): raised by a run no
person starts, recorded as the system with the run's words as the reason in the
household's history, once per open household+cause, refused whole on bad input; and its
caller, microcredit's daily overdue run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils.translation import override

from fupin.cases.tests.helpers import make_household
from fupin.core.errors import ValidationFailed
from fupin.core.history import history_of
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.microcredit import services as microcredit
from fupin.microcredit.models import Loan
from fupin.monitoring import services
from fupin.monitoring.models import Channel, RiskLevel, RiskType, RiskWarning, Source
from fupin.monitoring.services import SystemWarning
from fupin.registry.choices import HouseholdStatus

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 6, 2)
RUN = "Daily check of 2024-06-02"


def _warning(household, **over) -> SystemWarning:
    data = {
        "household_id": household.pk,
        "cause": RiskType.OTHER,
        "level": RiskLevel.GENERAL,
        "evidence": "贷款逾期",
    }
    data.update(over)
    return SystemWarning(**data)


def test_a_system_warning_is_routed_and_recorded_as_the_system_with_the_run(household):
    result = services.warnings_raise_system(
        warnings=[_warning(household, member_id=household.members.get().pk)], run=RUN, today=DAY
    )
    w = RiskWarning.objects.get(household=household)
    assert result.raised == {(household.pk, RiskType.OTHER): w.pk}
    assert result.already_open == set()
    assert (w.channel, w.cause, w.level, w.created_by) == (
        Channel.DATA,
        RiskType.OTHER,
        RiskLevel.GENERAL,
        None,
    )
    assert w.member == household.members.get()
    assert w.deadline == DAY + dt.timedelta(days=10)  # the default response days
    rec = history_of(household).get(object_type="monitoring.riskwarning")
    assert (rec.action, rec.object_id, rec.user, rec.user_name, rec.reason) == (
        ChangeAction.CREATE,
        str(w.pk),
        None,
        "system",
        RUN,
    )
    assert rec.area_code == household.village_id


def test_an_open_warning_of_the_cause_is_not_raised_again(users):
    # Earns enough and meets the guarantees, so that its risk may be declared eliminated.
    household = make_household(users, "户主", "601", wages="9000", status=HouseholdStatus.EXITED)
    first = services.warnings_raise_system(
        warnings=[_warning(household), _warning(household, evidence="第二笔贷款逾期")],
        run=RUN,
        today=DAY,
    )
    assert len(first.raised) == 1  # one household and cause: one warning
    assert RiskWarning.objects.get(household=household).evidence == "贷款逾期"
    again = services.warnings_raise_system(warnings=[_warning(household)], run=RUN, today=DAY)
    assert again.raised == {} and again.already_open == {(household.pk, RiskType.OTHER)}
    # Another cause of the same household is a warning of its own.
    other = services.warnings_raise_system(
        warnings=[_warning(household, cause=RiskType.ILLNESS)], run=RUN, today=DAY
    )
    assert list(other.raised) == [(household.pk, RiskType.ILLNESS)]
    assert RiskWarning.objects.filter(household=household).count() == 2
    # Once the warning is closed, the cause may be raised again.
    services.warning_eliminate(
        actor=users["township"],
        warning=RiskWarning.objects.get(household=household, cause=RiskType.OTHER),
        note="已还款",
    )
    later = services.warnings_raise_system(warnings=[_warning(household)], run=RUN, today=DAY)
    assert list(later.raised) == [(household.pk, RiskType.OTHER)]


@pytest.mark.parametrize(
    ("over", "words"),
    [
        ({"household_id": 987654}, "no such household"),
        ({"cause": "bankrupt"}, "unknown risk type bankrupt"),
        ({"level": "dire"}, "unknown risk level dire"),
        ({"source": "LOAN"}, "unknown rule LOAN"),
        ({"evidence": "  "}, "no evidence"),
    ],
)
def test_bad_input_refuses_the_whole_run_naming_the_row(household, over, words):
    records = ChangeRecord.objects.count()
    with override("en"), pytest.raises(ValidationFailed) as refused:
        services.warnings_raise_system(
            warnings=[_warning(household), _warning(household, **over)], run=RUN, today=DAY
        )
    assert refused.value.errors == {"warnings": [f"Warning 2: {words}."]}
    assert not RiskWarning.objects.exists()
    assert ChangeRecord.objects.count() == records


def test_a_person_of_another_household_and_an_unnamed_run_are_refused(
    household, neighbour_household
):
    stranger = neighbour_household.members.get().pk
    with override("en"), pytest.raises(ValidationFailed) as refused:
        services.warnings_raise_system(
            warnings=[_warning(household, member_id=stranger)], run=RUN, today=DAY
        )
    assert refused.value.errors == {"warnings": ["Warning 1: the person is not in this household."]}
    with pytest.raises(ValidationFailed):
        services.warnings_raise_system(warnings=[_warning(household)], run=" ", today=DAY)
    with pytest.raises(ValidationFailed):
        services.warnings_raise_system(
            warnings=[_warning(household)], run=RUN, channel="rumour", today=DAY
        )
    assert not RiskWarning.objects.exists()


def test_a_data_rule_is_kept_as_the_source(household):
    services.warnings_raise_system(
        warnings=[_warning(household, source=Source.DISASTER_LIST)], run=RUN, today=DAY
    )
    assert RiskWarning.objects.get(household=household).source == Source.DISASTER_LIST


def test_the_data_rules_warnings_are_in_the_households_history_too(users):
    """The scan and the disaster list write through the same set-based path."""
    household = make_household(users, "户主", "602", status=HouseholdStatus.EXITED)
    result = services.disaster(
        area=household.village_id,
        cause=RiskType.DISASTER,
        level=RiskLevel.SERIOUS,
        evidence="洪灾受灾户名单",
        actor=users["county"],
        today=DAY,
    )
    assert result.created == 1
    rec = history_of(household).get(object_type="monitoring.riskwarning")
    assert rec.user == users["county"]


# ------------------------------------------------------------------ the caller


def _loan(users, household) -> Loan:
    return microcredit.loan_disburse(
        actor=users["village"],
        household=household,
        borrower=household.members.get(),
        data={
            "number": "XD-077",
            "bank": "农村信用社",
            "amount": Decimal("50000"),
            "term_months": 12,
            "annual_rate": Decimal("4.35"),
            "subsidy_rate": Decimal("4.35"),
            "credit_rating": "AA",
            "purpose": "养殖",
            "disbursed_on": dt.date(2024, 3, 1),
        },
    )


def test_the_overdue_run_raises_through_the_system_path(users, household):
    loan = _loan(users, household)
    day = loan.due_on + dt.timedelta(days=1)
    assert microcredit.mark_overdue(day=day) == (1, 0, 1)
    w = RiskWarning.objects.get(household=household)
    assert "XD-077" in w.evidence and w.member_id == loan.member_id
    rec = history_of(household).get(object_type="monitoring.riskwarning")
    assert rec.user_name == "system" and day.isoformat() in rec.reason
    # The next day: the loan was warned, nothing new.
    assert microcredit.mark_overdue(day=day + dt.timedelta(days=1)) == (0, 0, 0)
    assert RiskWarning.objects.filter(household=household).count() == 1


def test_the_overdue_run_adds_nothing_to_an_open_warning_of_the_cause(users, household):
    """A household already warned for the cause (a cadre's visit) gets no second warning,
    and the loan is not marked warned: a later run warns it once that warning is closed."""
    loan = _loan(users, household)
    services.warning_create(
        actor=users["village"],
        household=household,
        channel=Channel.VISIT,
        cause=RiskType.OTHER,
        evidence="走访发现经营困难",
        proposed_level=RiskLevel.GENERAL,
    )
    day = loan.due_on + dt.timedelta(days=1)
    assert microcredit.mark_overdue(day=day) == (1, 0, 0)
    loan.refresh_from_db()
    assert loan.warned_on is None
    assert RiskWarning.objects.filter(household=household).count() == 1
