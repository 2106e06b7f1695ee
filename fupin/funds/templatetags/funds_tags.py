"""Money and rate display: 1,234,567.89 yuan; 85.2%."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    """A yuan amount with thousands separators and 2 decimals ("" for None)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


@register.filter
def pct(value) -> str:
    """A rate (0.8523) as a percentage with one decimal ("—" when there is none)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value) * 100:.1f}%"
