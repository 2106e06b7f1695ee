from django import template

register = template.Library()


@register.filter
def pct(value, digits=1):
    """0.0213 → "2.1%"; None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def share(row, key):
    """A village row's cases / surveyed for one rate, as "x / n"."""
    cases, n = row.counts[key]
    return f"{cases} / {n}" if n else "—"
