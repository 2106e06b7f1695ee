"""Funds: allocations, budget lines (committed ≤ allocated) and disbursements
(disbursed ≤ budget), their permissions, history and database constraints."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.funds import services
from fupin.funds.models import Allocation, BudgetLine, Disbursement
from fupin.projects.tests.helpers import COUNTY, pay, propose, walk

pytestmark = pytest.mark.django_db


def test_allocation_create_needs_manage_funds_and_area(users, source):
    with pytest.raises(NotAllowed):
        services.allocation_create(
            actor=users["township"], source=source, area_code="431129100000", year=2018, amount="1"
        )
    with pytest.raises(OutsideArea):
        services.allocation_create(
            actor=users["other_county"], source=source, area_code=COUNTY, year=2018, amount="10"
        )
    a = services.allocation_create(
        actor=users["county"],
        source=source,
        area_code=COUNTY,
        year=2018,
        amount="1,250,000.50",
        allowed_uses=["road", "water"],
    )
    assert a.amount == Decimal("1250000.50")
    assert a.balance == Decimal("1250000.50")
    rec = history_of(a).get()
    assert rec.user_name == "county" and rec.post_data["amount"] == "1250000.50"


@pytest.mark.parametrize("bad", [0.1, "abc", "-5", "0", "1.005"])
def test_amounts_are_positive_decimals_with_two_places(users, source, bad):
    with pytest.raises(ValidationFailed):
        services.allocation_create(
            actor=users["county"], source=source, area_code=COUNTY, year=2018, amount=bad
        )
    assert not Allocation.objects.exists()


def test_allocation_only_to_county_or_township(users, source):
    with pytest.raises(ValidationFailed) as err:
        services.allocation_create(
            actor=users["county"], source=source, area_code="431129100201", year=2018, amount="1"
        )
    assert "area" in err.value.errors


def test_commitment_cannot_exceed_allocation(users, allocation):
    p1 = propose(users["village"])
    p2 = propose(users["village"], name="第二个项目")
    services.budget_line_set(
        actor=users["county"], project=p1, allocation=allocation, amount="700000.00"
    )
    with pytest.raises(services.InsufficientFunds):
        services.budget_line_set(
            actor=users["county"], project=p2, allocation=allocation, amount="300000.01"
        )
    line = services.budget_line_set(
        actor=users["county"], project=p2, allocation=allocation, amount="300000.00"
    )
    allocation.refresh_from_db()
    assert allocation.committed == Decimal("1000000.00") and allocation.balance == 0
    # lowering a line gives the money back
    services.budget_line_set(
        actor=users["county"], project=p2, allocation=allocation, amount="100000.00"
    )
    allocation.refresh_from_db()
    assert allocation.committed == Decimal("800000.00")
    line.refresh_from_db()
    assert line.amount == Decimal("100000.00")
    assert history_of(line).count() == 2


def test_allocation_keeps_its_allowed_uses_and_year(users, source):
    roads_only = services.allocation_create(
        actor=users["county"],
        source=source,
        area_code=COUNTY,
        year=2018,
        amount="100",
        allowed_uses=["road"],
    )
    housing = propose(users["village"], type="housing")
    with pytest.raises(ValidationFailed):
        services.budget_line_set(
            actor=users["county"], project=housing, allocation=roads_only, amount="50"
        )
    later = propose(users["village"], year=2019)
    with pytest.raises(ValidationFailed):
        services.budget_line_set(
            actor=users["county"], project=later, allocation=roads_only, amount="50"
        )
    assert not BudgetLine.objects.exists()


def test_only_fund_managers_commit_and_pay(users, allocation, project):
    with pytest.raises(NotAllowed):
        services.budget_line_set(
            actor=users["township"], project=project, allocation=allocation, amount="5"
        )
    with pytest.raises(OutsideArea):
        services.budget_line_set(
            actor=users["other_county"], project=project, allocation=allocation, amount="5"
        )


def test_disbursement_only_for_projects_in_progress(users, allocation, project):
    project = walk(project, users, "approved", allocation=allocation)
    line = BudgetLine.objects.get(project=project)
    with pytest.raises(services.WrongProjectState):
        services.disburse(
            actor=users["county"], line=line, amount="100", paid_on=dt.date(2018, 4, 1)
        )
    assert not Disbursement.objects.exists()


def test_disbursed_cannot_exceed_budget_line(users, allocation, project):
    project = walk(project, users, "in_progress", allocation=allocation, budget="600000.00")
    line = BudgetLine.objects.get(project=project)
    pay(users, line, "400000.00", dt.date(2018, 5, 1), voucher="记账凭证 2018-051")
    with pytest.raises(services.InsufficientFunds):
        services.disburse(
            actor=users["county"], line=line, amount="200000.01", paid_on=dt.date(2018, 6, 1)
        )
    pay(users, line, "200000.00")
    line.refresh_from_db()
    allocation.refresh_from_db()
    assert line.disbursed == line.amount == Decimal("600000.00")
    assert allocation.disbursed == Decimal("600000.00")
    assert allocation.committed == Decimal("600000.00")
    # a line cannot be lowered below what was paid
    with pytest.raises(services.InsufficientFunds):
        services.budget_line_set(
            actor=users["county"], project=project, allocation=allocation, amount="500000.00"
        )
    assert Disbursement.objects.count() == 2
    assert (
        history_of(project).filter(object_type="funds.disbursement", action="create").count() == 2
    )


def test_adjusting_an_allocation_never_below_committed(users, allocation, project):
    services.budget_line_set(
        actor=users["county"], project=project, allocation=allocation, amount="600000.00"
    )
    with pytest.raises(services.InsufficientFunds):
        services.allocation_adjust(
            actor=users["county"], allocation=allocation, amount="599999.99", reason="调减"
        )
    a = services.allocation_adjust(
        actor=users["county"], allocation=allocation, amount="600000.00", reason="调减"
    )
    assert a.amount == Decimal("600000.00")
    assert history_of(a).first().changes["amount"] == ["1000000.00", "600000.00"]


def test_database_refuses_negative_balances(users, allocation, project):
    """The CHECK constraints hold even when the services are bypassed."""
    line = services.budget_line_set(
        actor=users["county"], project=project, allocation=allocation, amount="100.00"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk).update(committed=Decimal("1000000.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.filter(pk=line.pk).update(disbursed=Decimal("100.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk).update(disbursed=Decimal("100.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk).update(committed=Decimal("-1"))
