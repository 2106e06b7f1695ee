"""income_set: amounts are never negative (a loss in production goes into production
expenses) and never finer than the fen; a refusal leaves the database unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from fupin.core.errors import ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.registry import services
from fupin.registry.models import IncomeRecord

LOSS = (
    "Amounts cannot be negative; a loss in production goes into production expenses "
    "(生产经营性支出)."
)
FEN = "An amount has at most two decimal places (fen)."


def refused(users, household, data) -> dict[str, list[str]]:
    before = (IncomeRecord.objects.count(), ChangeRecord.objects.count())
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        services.income_set(actor=users["village"], household=household, year=2019, data=data)
    assert (IncomeRecord.objects.count(), ChangeRecord.objects.count()) == before
    return {k: [str(m) for m in v] for k, v in exc.value.errors.items()}


def test_a_negative_production_amount_says_where_a_loss_goes(users, household):
    errors = refused(users, household, {"production": Decimal("-300"), "wages": -1})
    assert errors["production"] == [LOSS]
    assert errors["wages"] == ["Amounts cannot be negative."]


@pytest.mark.parametrize("value", [Decimal("1234.567"), "1234.567", 0.001, Decimal("-0.005")])
def test_an_amount_finer_than_the_fen_is_refused(users, household, value):
    errors = refused(users, household, {"wages": value})
    assert FEN in errors["wages"]


def test_amounts_to_the_fen_are_kept_exactly(users, household):
    rec = services.income_set(
        actor=users["village"],
        household=household,
        year=2019,
        data={"wages": Decimal("1234.50"), "production": "1e3", "production_expenses": 0},
    )
    rec.refresh_from_db()
    assert (rec.wages, rec.production) == (Decimal("1234.50"), Decimal("1000.00"))
