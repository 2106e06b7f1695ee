"""For the authority table walk: a fresh project in progress in conftest.VILLAGE (its steps
by the `users` fixture), then the payment decision as `actor` through the real service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fupin.funds import services
from fupin.funds.models import BudgetLine
from fupin.projects.tests.authority_invokers import project_in


def _line(users) -> BudgetLine:
    return BudgetLine.objects.get(project=project_in(users, "in_progress"))


def _record(actor, users) -> None:
    services.disburse(actor=actor, line=_line(users), amount="100.00", paid_on=dt.date(2018, 6, 1))


def _countersign(actor, users) -> None:
    # over the default threshold (50,000 yuan): pending, recorded by the county user
    pending = services.disburse(
        actor=users["county"], line=_line(users), amount="500000.00", paid_on=dt.date(2018, 6, 1)
    )
    assert pending.status == "pending"
    services.payment_countersign(actor=actor, disbursement=pending, approve=True)


INVOKERS: dict[str, Callable] = {
    "payment.record": _record,
    "payment.countersign": _countersign,
}
