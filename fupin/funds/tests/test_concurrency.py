"""Two disbursements race for the same budget line, each in its own thread with its own
database connection; only one fits. Exactly one must succeed and no balance may go
negative. The point is PostgreSQL (row locks: the second waits for the first, then sees
its payment); SQLite serialises writers, and the same assertions must hold there too
(its shared-cache test database makes the loser fail with "table is locked" instead of
waiting).

Both amounts are over the countersign threshold, so each payment that fits is recorded
as pending: its amount is reserved (`pending`) under the same locks, and the race is the
same. A last test races a countersignature against a refusal of one pending payment."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, connections

from fupin.funds import services
from fupin.funds.models import Allocation, BudgetLine, Disbursement
from fupin.projects.tests.helpers import second_county, walk


def _race(users, line, amounts, monkeypatch):
    """Run one disbursement per amount in parallel threads; return their outcomes."""
    barrier = threading.Barrier(len(amounts))
    real_record = services.created
    inside = threading.Event()

    def slow_record(*args, **kwargs):
        # Hold the transaction open a moment after the first write so that the other
        # thread certainly arrives while the rows are locked.
        inside.set()
        threading.Event().wait(0.2)
        return real_record(*args, **kwargs)

    monkeypatch.setattr(services, "created", slow_record)
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
    assert Disbursement.objects.get().status == "pending"
    assert (line.disbursed, line.pending) == (0, Decimal("400000.00"))
    assert line.remaining >= 0
    assert alloc.committed - alloc.disbursed - alloc.pending >= 0
    assert alloc.pending == Decimal("400000.00")


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
    assert line.pending == sum(d.amount for d in Disbursement.objects.all())
    assert Allocation.objects.get(pk=allocation.pk).pending == line.pending


@pytest.mark.django_db(transaction=True)
def test_a_countersignature_and_a_refusal_race_one_decides(users, allocation, project):
    """Two county users decide the same pending payment at once: one decision wins, the
    other is refused (already decided), and the balances match the winner."""
    project = walk(project, users, "in_progress", allocation=allocation, budget="600000.00")
    line = BudgetLine.objects.get(project=project)
    d = services.disburse(
        actor=users["county"], line=line, amount="400000.00", paid_on=dt.date(2018, 6, 1)
    )
    signers = [second_county(), users["other_county"]]
    signers[1].area_id = "431129000000"  # a third county user of the same county
    signers[1].save()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def decide(actor, approve):
        try:
            barrier.wait()
            services.payment_countersign(
                actor=actor, disbursement=d, approve=approve, reason="" if approve else "不符"
            )
            result = "signed" if approve else "refused"
        except services.AlreadyDecided:
            result = "late"
        except OperationalError as exc:  # SQLite: "database table is locked"
            result = f"locked: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(target=decide, args=(signers[0], True)),
        threading.Thread(target=decide, args=(signers[1], False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o in ("signed", "refused")]
    assert len(winners) == 1, outcomes
    if connection.vendor == "postgresql":
        assert "late" in outcomes, outcomes
    line.refresh_from_db()
    alloc = Allocation.objects.get(pk=allocation.pk)
    d.refresh_from_db()
    assert line.pending == alloc.pending == 0
    paid = Decimal("400000.00") if winners == ["signed"] else 0
    assert d.status == ("paid" if paid else "refused")
    assert line.disbursed == alloc.disbursed == paid
