"""Small pieces every ledger's services share: an amount in yuan to the fen, and the
refusal built from a rule's (field, reason) pairs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from fupin.core.errors import ValidationFailed


def money(value: Any, field: str, *, positive: bool = True) -> Decimal:
    """`value` as yuan to the fen; refused (on `field`) unless a number, not negative,
    and above zero when `positive`."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed({field: [_("Enter an amount in yuan.")]}) from None
    if amount < 0 or (positive and amount == 0):
        raise ValidationFailed({field: [_("Enter an amount above zero.")]})
    return amount


def refuse(problems: list[tuple[str, str]], message: str | None = None) -> None:
    """Raise ValidationFailed with a rule's (field, reason) pairs, if there are any."""
    if problems:
        errors: dict[str, list[str]] = {}
        for name, text in problems:
            errors.setdefault(name, []).append(text)
        raise ValidationFailed(errors, message)
