"""Formatting of figures on the dashboard pages."""

from django import template

from fupin.indicators import definitions as D

register = template.Library()


@register.filter
def figure_value(figure) -> str:
    """A figure's value for reading: rates with two decimals, counts with thousands
    separators (money too, to the fen), a dash when there is no value (e.g. a rate with
    a zero denominator)."""
    value = figure.value
    if value is None:
        return "—"
    d = D.DEFINITIONS.get(figure.code)
    if d is not None and d.kind == D.RATE:
        return f"{float(value):.2f}"
    if d is not None and d.unit == D.YUAN:
        return f"{float(value):,.2f}"
    return f"{int(value):,}"


@register.filter
def is_percent(figure) -> bool:
    d = D.DEFINITIONS.get(figure.code)
    return d is not None and d.unit == D.PERCENT
