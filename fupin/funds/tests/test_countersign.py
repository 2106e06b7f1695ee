"""Payments over the county's countersign threshold wait for a second county user: the
money is reserved at once (no second payment can spend it) but paid only when another
county user countersigns; a refusal releases it. The recorder may not countersign."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from fupin.accounts import authority
from fupin.core.errors import NotAllowed, ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.funds import services
from fupin.funds.models import Allocation, BudgetLine, Disbursement
from fupin.policy.models import PolicySet
from fupin.projects.tests.helpers import COUNTY, second_county, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(users, allocation, project):
    walk(project, users, "in_progress", allocation=allocation, budget="600000.00")
    return BudgetLine.objects.get(project=project)


def _pay(users, line, amount, who="county"):
    return services.disburse(
        actor=users[who], line=line, amount=amount, paid_on=dt.date(2018, 6, 1)
    )


def _state(line):
    line.refresh_from_db()
    alloc = Allocation.objects.get(pk=line.allocation_id)
    return (
        line.disbursed,
        line.pending,
        alloc.disbursed,
        alloc.pending,
        list(Disbursement.objects.values_list("status", flat=True)),
        ChangeRecord.objects.count(),
    )


def test_at_or_under_the_threshold_is_paid_at_once(users, line):
    d = _pay(users, line, "50000.00")
    assert d.status == "paid"
    line.refresh_from_db()
    assert (line.disbursed, line.pending) == (Decimal("50000.00"), 0)


def test_over_the_threshold_waits_and_reserves(users, line):
    d = _pay(users, line, "500000.00")
    assert d.status == "pending"
    line.refresh_from_db()
    assert (line.disbursed, line.pending, line.remaining) == (0, Decimal("500000.00"), 100000)
    # the reserved money cannot be paid twice
    with pytest.raises(services.InsufficientFunds):
        _pay(users, line, "100000.01")


def test_the_budget_cannot_drop_under_the_reserved_money(users, line):
    _pay(users, line, "500000.00")
    before = _state(line)
    with pytest.raises(services.InsufficientFunds):
        services.budget_line_set(
            actor=users["county"],
            project=line.project,
            allocation=line.allocation,
            amount="499999.99",
        )
    assert _state(line) == before


def test_database_refuses_spending_the_reserved_money(users, line):
    """The CHECK constraints on `pending` hold even when the services are bypassed."""
    alloc = line.allocation_id
    for model, pk in ((BudgetLine, line.pk), (Allocation, alloc)):
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=pk).update(pending=Decimal("-0.01"))
        with pytest.raises(IntegrityError), transaction.atomic():  # paid + reserved > budget
            model.objects.filter(pk=pk).update(
                pending=Decimal("300000.00"), disbursed=Decimal("300000.01")
            )


def test_the_recorder_may_not_countersign(users, line):
    d = _pay(users, line, "500000.00")
    before = _state(line)
    with pytest.raises(authority.FourEyes) as err:
        services.payment_countersign(actor=users["county"], disbursement=d, approve=True)
    assert err.value.status == 403 and "县扶贫办" in str(err.value.message)
    assert _state(line) == before
    assert not services.may_countersign(users["county"], d, line.project.area_id)
    assert services.may_countersign(second_county(), d, line.project.area_id)


@pytest.mark.parametrize("who", ["township", "village", "inspector", "department", "admin"])
def test_only_a_county_user_countersigns(users, line, who):
    d = _pay(users, line, "500000.00")
    before = _state(line)
    with pytest.raises(NotAllowed):
        services.payment_countersign(actor=users[who], disbursement=d, approve=True)
    assert _state(line) == before


def test_countersigned_it_is_paid(users, line):
    d = _pay(users, line, "500000.00")
    d = services.payment_countersign(actor=second_county(), disbursement=d, approve=True)
    assert d.status == "paid" and d.countersigned_by_name == "county2"
    disbursed, pending, a_disbursed, a_pending, _s, _n = _state(line)
    assert (disbursed, pending, a_disbursed, a_pending) == (Decimal("500000.00"), 0, 500000, 0)
    rec = ChangeRecord.objects.filter(object_type="funds.disbursement", action="update").get()
    assert rec.changes["status"] == ["pending", "paid"] and rec.user_name == "county2"
    with pytest.raises(services.AlreadyDecided):
        services.payment_countersign(
            actor=second_county(), disbursement=d, approve=False, reason="x"
        )


def test_a_refusal_needs_a_reason_and_releases_the_money(users, line):
    d = _pay(users, line, "500000.00")
    before = _state(line)
    with pytest.raises(ValidationFailed):
        services.payment_countersign(actor=second_county(), disbursement=d, approve=False)
    assert _state(line) == before
    d = services.payment_countersign(
        actor=second_county(), disbursement=d, approve=False, reason="凭证不全"
    )
    assert d.status == "refused" and d.countersign_reason == "凭证不全"
    line.refresh_from_db()
    assert (line.disbursed, line.pending, line.remaining) == (0, 0, Decimal("600000.00"))
    assert _pay(users, line, "40000.00").status == "paid"


def test_recording_a_payment_is_the_countys(users, line):
    before = _state(line)
    with pytest.raises(NotAllowed):
        _pay(users, line, "100.00", who="township")
    assert _state(line) == before


def test_the_threshold_is_policy_data(users, line):
    today = timezone.localdate()
    PolicySet.objects.create(
        region_id=COUNTY,
        year=today.year,
        effective_from=dt.date(today.year, 1, 1),
        income_line=4000,
        countersign_above=Decimal("1000"),
    )
    assert _pay(users, line, "1000.00").status == "paid"
    assert _pay(users, line, "1000.01").status == "pending"


def test_a_rejected_project_keeps_a_pending_payment_reserved(users, allocation, line):
    d = _pay(users, line, "500000.00")
    services.release_budget(actor=users["county"], project=line.project, reason="x")
    line.refresh_from_db()
    assert line.amount == Decimal("500000.00") and line.pending == Decimal("500000.00")
    services.payment_countersign(actor=second_county(), disbursement=d, approve=True)
    line.refresh_from_db()
    assert line.disbursed == line.amount
