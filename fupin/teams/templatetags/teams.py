from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(rate: Decimal | None) -> str:
    """A rate (0–1) as a percentage with one decimal: "87.5%"; "—" for no rate."""
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}%"
