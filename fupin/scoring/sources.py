"""Where performance indicators come from: one function per indicator, each
`(area_code, start, end) -> Decimal | None` over a 12-digit division code and a period.

None means "no data" (nothing to measure) and is shown as such, never as zero. The
figures come from indicators, supervision, projects and assistance, which lie below
scoring in the layering (README.md "Layers").
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fupin.assistance.models import Pairing, Visit
from fupin.assistance.selectors import policy_for
from fupin.geo.codes import significant_prefix
from fupin.indicators import selectors as indicator_selectors
from fupin.projects import selectors as project_selectors
from fupin.registry import income as income_rule
from fupin.registry.models import IncomeRecord
from fupin.scoring.choices import IndicatorSource
from fupin.supervision import selectors as supervision_selectors

log = logging.getLogger(__name__)
CENT = Decimal("0.01")
SourceFn = Callable[[str, dt.date, dt.date], Decimal | None]


def _as_decimal(value) -> Decimal | None:
    if value is None:
        return None
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        return None
    return d.quantize(CENT, rounding=ROUND_HALF_UP) if d.is_finite() else None


def _fen(value) -> Decimal:
    """A database sum of amounts in yuan as exact fen (SQLite sums them as floats)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _figure(area_code: str, day: dt.date, keys: tuple[str, ...]) -> Decimal | None:
    nodes = indicator_selectors.figures(area_code, as_of=day, depth=0)
    if not nodes:
        return None
    values = getattr(nodes[0], "values", {}) or {}
    for key in keys:
        if values.get(key) is not None:
            return Decimal(str(values[key]))
    return None


POOR_KEYS = ("poor_people",)  # fupin.indicators: registered poor still in poverty


def poverty_reduced(area_code: str, start: dt.date, end: dt.date) -> Decimal | None:
    """Poverty reduced (减贫人数): registered poor people still in poverty at the start of
    the period minus those at its end (fupin.indicators)."""
    before = _figure(area_code, start, POOR_KEYS)
    after = _figure(area_code, end, POOR_KEYS)
    if before is None or after is None:
        return None
    return _as_decimal(before - after)


def income_growth(area_code: str, start: dt.date, end: dt.date) -> Decimal | None:
    """Income growth (收入增长率), percent: the per-person net income of registered
    households in the period's last year against the year before the period starts
    (Σ net income ÷ Σ household size, each year over the households with a record)."""

    base_year, year = start.year - 1, end.year
    rows = (
        IncomeRecord.objects.in_area(significant_prefix(area_code))
        .filter(year__in=(base_year, year))
        .values("year")
        .annotate(net=Sum(income_rule.net_income_orm()), people=Sum("household_size"))
        .order_by()
    )
    # Net income and its rounding to the fen per person: the registry's one rule.
    per_person = {
        r["year"]: income_rule.net_per_person(_fen(r["net"]), r["people"])
        for r in rows
        if r["people"] and r["net"]
    }
    if base_year not in per_person or year not in per_person or per_person[base_year] <= 0:
        return None
    return _as_decimal((per_person[year] / per_person[base_year] - 1) * 100)


def visit_compliance(area_code: str, start: dt.date, end: dt.date) -> Decimal | None:
    """Visit compliance (走访达标率), percent: of the cadre–household pairings current at
    the end of the period and older than the visit interval of their region
    (fupin.assistance policy), the share visited by that cadre within the interval."""
    return visit_compliance_many([area_code], start, end)[area_code]


def visit_compliance_many(
    codes: list[str], start: dt.date, end: dt.date
) -> dict[str, Decimal | None]:
    """`visit_compliance` of many areas from one read per county."""
    out: dict[str, Decimal | None] = dict.fromkeys(codes)
    prefixes = {code: significant_prefix(code) for code in codes}
    pairings = []
    for county in sorted({p[:6] for p in prefixes.values()}):
        pairings += [
            p
            for p in Pairing.objects.in_area(county)
            .filter(start_date__lte=end)
            .values("cadre_id", "household_id", "start_date", "end_date", "household__village_id")
            if p["end_date"] is None or p["end_date"] > end
        ]
    if not pairings:
        return out
    last = {
        (r["cadre_id"], r["household_id"]): r["last"]
        for r in Visit.objects.filter(
            household_id__in={p["household_id"] for p in pairings}, date__lte=end
        )
        .values("cadre_id", "household_id")
        .annotate(last=Max("date"))
        .order_by()
    }
    intervals: dict[str, int] = {}
    due: dict[str, int] = dict.fromkeys(codes, 0)
    done: dict[str, int] = dict.fromkeys(codes, 0)
    for p in pairings:
        village = p["household__village_id"]
        if village not in intervals:
            intervals[village] = policy_for(village).visit_interval_days
        limit = end - dt.timedelta(days=intervals[village])
        if p["start_date"] > limit:
            continue  # not yet due
        seen = last.get((p["cadre_id"], p["household_id"]))
        for code, prefix in prefixes.items():
            if village.startswith(prefix):
                due[code] += 1
                done[code] += seen is not None and seen > limit
    for code in codes:
        if due[code]:
            out[code] = _as_decimal(Decimal(done[code]) * 100 / due[code])
    return out


def findings_closed(area_code: str, start: dt.date, end: dt.date) -> Decimal | None:
    """Findings closed (问题整改率), percent: supervision findings raised in the period
    that were closed (fupin.supervision)."""
    rate = _as_decimal(supervision_selectors.findings_closed_rate(area_code, start, end))
    return None if rate is None else _as_decimal(rate * 100)


def unit_findings_closed(unit_id: int, start: dt.date, end: dt.date) -> Decimal | None:
    """Findings closed of one unit's own findings (a county department is measured on
    what the inspections found against it, not on its whole area)."""
    rate = _as_decimal(supervision_selectors.unit_findings_closed_rate(unit_id, start, end))
    return None if rate is None else _as_decimal(rate * 100)


# Indicators that a unit not standing for a division (a department) has of its own.
UNIT_SOURCES: dict[str, Callable[[int, dt.date, dt.date], Decimal | None]] = {
    "findings_closed": unit_findings_closed,
}


def funds_executed(area_code: str, start: dt.date, end: dt.date) -> Decimal | None:
    """Funds executed (资金执行率), percent: project funds disbursed against funds
    allocated in the period's last year (fupin.projects)."""
    rate = _as_decimal(project_selectors.execution_rate(area_code, end.year))
    return None if rate is None else _as_decimal(rate * 100)


def _figures_many(codes: list[str], day: dt.date) -> dict[str, Decimal | None]:
    """In-poverty counts of many areas from one `figures` call per county."""
    out: dict[str, Decimal | None] = dict.fromkeys(codes)
    for county in sorted({code[:6] for code in codes}):
        mine = [code for code in codes if code.startswith(county)]
        depth = 2 if any(not code.endswith("000") for code in mine) else 1
        for node in indicator_selectors.figures(county.ljust(12, "0"), as_of=day, depth=depth):
            if node.code in out:
                value = next((node.values.get(k) for k in POOR_KEYS if k in node.values), None)
                out[node.code] = None if value is None else Decimal(str(value))
    return out


def poverty_reduced_many(
    codes: list[str], start: dt.date, end: dt.date
) -> dict[str, Decimal | None]:
    before, after = _figures_many(codes, start), _figures_many(codes, end)
    return {code: _reduced(before[code], after[code]) for code in codes}


def _reduced(before: Decimal | None, after: Decimal | None) -> Decimal | None:
    return None if before is None or after is None else _as_decimal(before - after)


@dataclass(frozen=True)
class Source:
    code: str
    fn: SourceFn
    definition: Promise
    unit: Promise | str
    many: Callable[[list[str], dt.date, dt.date], dict[str, Decimal | None]] | None = None


SOURCES: dict[str, Source] = {
    s.code: s
    for s in (
        Source(
            IndicatorSource.POVERTY_REDUCED,
            poverty_reduced,
            _(
                "Registered poor people still in poverty at the start of the period minus "
                "those at its end."
            ),
            _("people"),
            many=poverty_reduced_many,
        ),
        Source(
            IndicatorSource.INCOME_GROWTH,
            income_growth,
            _(
                "Per-person net income of registered households in the period's last year "
                "against the year before it starts."
            ),
            "%",
        ),
        Source(
            IndicatorSource.VISIT_COMPLIANCE,
            visit_compliance,
            _(
                "Share of due cadre–household pairings visited within the required interval "
                "at the end of the period."
            ),
            "%",
            many=visit_compliance_many,
        ),
        Source(
            IndicatorSource.FINDINGS_CLOSED,
            findings_closed,
            _("Share of supervision findings raised in the period that were closed."),
            "%",
        ),
        Source(
            IndicatorSource.FUNDS_EXECUTED,
            funds_executed,
            _("Project funds disbursed against funds allocated in the period's last year."),
            "%",
        ),
    )
}


def value_of(source: str, area_code: str, start: dt.date, end: dt.date) -> Decimal | None:
    """One indicator's value for an area; a source that fails is "no data", logged."""
    try:
        return SOURCES[source].fn(area_code, start, end)
    except Exception:  # a neighbouring app's bug must not take the ranking down
        log.exception("performance source %s failed for %s", source, area_code)
        return None


def values_of(
    source: str, area_codes: list[str], start: dt.date, end: dt.date
) -> dict[str, Decimal | None]:
    """One indicator's values for many areas (one batch call where the source has one)."""
    src = SOURCES[source]
    if src.many is not None:
        try:
            return src.many(list(dict.fromkeys(area_codes)), start, end)
        except Exception:
            log.exception("performance source %s failed", source)
            return dict.fromkeys(area_codes)
    return {code: value_of(source, code, start, end) for code in dict.fromkeys(area_codes)}
