"""Two disbursements race for the same budget line, each in its own thread with its own
database connection; only one fits. Exactly one must succeed and no balance may go
negative. The point is PostgreSQL (row locks: the second waits for the first, then sees
its payment); SQLite serialises writers, and the same assertions must hold there too
(its shared-cache test database makes the loser fail with "table is locked" instead of
waiting)."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, connections

from fupin.funds import services
from fupin.funds.models import Allocation, BudgetLine, Disbursement
from fupin.projects.tests.helpers import walk


def _race(users, line, amounts, monkeypatch):
    """Run one disbursement per amount in parallel threads; return their outcomes."""
    barrier = threading.Barrier(len(amounts))
    real_record = services.record_change
    inside = threading.Event()

    def slow_record(**kwargs):
        # Hold the transaction open a moment after the first write so that the other
        # thread certainly arrives while the rows are locked.
        inside.set()
        threading.Event().wait(0.2)
        return real_record(**kwargs)

    monkeypatch.setattr(services, "record_change", slow_record)
    outcomes: list[str] = []
    lock = threading.Lock()

    def pay(amount):
        try:
            barrier.wait()
            services.disburse(
                actor=users["county"], line=line, amount=amount, paid_on=dt.date(2018, 6, 1)
            )
            result = "paid"
        except services.InsufficientFunds:
            result = "refused"
        except OperationalError as exc:  # SQLite: "database table is locked"
            result = f"locked: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=pay, args=(a,)) for a in amounts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_disbursements_only_one_fits(users, allocation, project, monkeypatch):
    project = walk(project, users, "in_progress", allocation=allocation, budget="600000.00")
    line = BudgetLine.objects.get(project=project)

    outcomes = _race(users, line, ["400000.00", "400000.00"], monkeypatch)

    assert outcomes.count("paid") == 1, outcomes
    if connection.vendor == "postgresql":
        # The loser waited for the lock and was refused on the balance, not by an error.
        assert sorted(outcomes) == ["paid", "refused"], outcomes
    line.refresh_from_db()
    alloc = Allocation.objects.get(pk=allocation.pk)
    assert Disbursement.objects.count() == 1
    assert line.disbursed == Decimal("400000.00")
    assert line.amount - line.disbursed >= 0
    assert alloc.committed - alloc.disbursed >= 0
    assert alloc.disbursed == Decimal("400000.00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_disbursements_that_both_fit_both_succeed(
    users, allocation, project, monkeypatch
):
    """The lock serialises, it does not refuse: two payments that fit both go through and
    the totals add up exactly."""
    project = walk(project, users, "in_progress", allocation=allocation, budget="600000.00")
    line = BudgetLine.objects.get(project=project)

    outcomes = _race(users, line, ["250000.00", "350000.00"], monkeypatch)

    line.refresh_from_db()
    paid = Disbursement.objects.count()
    assert outcomes.count("paid") == paid
    if connection.vendor == "postgresql":
        assert outcomes == ["paid", "paid"]
    assert line.disbursed == sum(d.amount for d in Disbursement.objects.all())
    assert Allocation.objects.get(pk=allocation.pk).disbursed == line.disbursed
