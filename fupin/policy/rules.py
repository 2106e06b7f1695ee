"""Rules over a household's registry data that a policy set names as data.

- the registry exclusion clauses (`registry_clause`: a named rule of
  `clauses.REGISTRY_RULES`, or a household field compared with a value);
- the key-assistance flag (重点帮扶对象): criteria of the region's policy, each
  ``{"code", "text", "text_en", "any_member": {FIELD: [values]}, "no_member": {FIELD:
  [values]}}`` — a criterion holds when, among the household's active members, for every
  field of ``any_member`` at least one member has one of the values, and for every field
  of ``no_member`` none has. A household is flagged when one criterion holds.

The key-assistance rule has two forms side by side: one household (`key_assistance_row`,
the household page and `fupin evaluate`) and whole columns (`key_assistance_frame`,
`fupin key-assistance` over an area); a property test proves they agree.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from fupin.policy import clauses as C
from fupin.registry import choices as c
from fupin.registry.models import Household, Member

MET = "met"
NOT_MET = "not_met"
UNKNOWN = "unknown"

# Member fields a key-assistance criterion may name, and their values.
MEMBER_FIELDS = {
    "health": c.Health,
    "labour": c.LabourCapacity,
}

# The example criterion (DESIGN.md / issue 18: households with seriously ill or disabled
# members and no labour): a region's policy holds its own.
ILL_OR_DISABLED_NO_LABOUR = {
    "code": "KA_ILL_NO_LABOUR",
    "text": "家中有大病或残疾成员且无劳动力",
    "text_en": "A member is seriously ill or disabled, and no member can work",
    "any_member": {"health": [c.Health.SERIOUS.value, c.Health.DISABLED.value]},
    "no_member": {"labour": [c.LabourCapacity.SKILLED.value, c.LabourCapacity.ORDINARY.value]},
}


# ---------------------------------------------------------------- registry clauses


def _active(members: list[Member]) -> list[Member]:
    return [m for m in members if m.is_active]


def registry_clause(
    clause: dict, household: Household, members: list[Member]
) -> tuple[str, dict[str, Any]]:
    """(outcome, values) of a registry clause: met when the excluding situation is absent,
    not met when it is present, unknown when the registry does not hold the value."""
    values: dict[str, Any]
    if clause.get("rule") == "household_away_a_year":
        active = _active(members)
        if not active:
            return UNKNOWN, {"members": 0}
        away = [m for m in active if (m.migrant_months or 0) >= 12]
        values = {"members": len(active), "away_12_months": len(away)}
        return (NOT_MET if len(away) == len(active) else MET), values
    if clause.get("rule") == "no_member_in_household":
        active = _active(members)
        values = {"members": len(active), "left": len(members) - len(active)}
        if not members:
            return UNKNOWN, values
        return (NOT_MET if not active else MET), values
    if clause.get("rule"):
        return UNKNOWN, {}
    name = clause.get("field") or ""
    if name not in C.FIELD_NAMES:
        return UNKNOWN, {}
    value = getattr(household, name, None)
    values = {"field": name, "value": value, "op": clause.get("op"), "limit": clause.get("value")}
    if value is None:
        return UNKNOWN, values
    hit = compare_value(value, str(clause.get("op")), clause.get("value"))
    if hit is None:
        return UNKNOWN, values
    return (NOT_MET if hit else MET), values


def compare_value(value: Any, op: str, limit: Any) -> bool | None:
    """`value op limit` for a registry field (None: not comparable)."""
    if isinstance(value, bool):
        want = str(limit).lower() == "true"
        if op == "=":
            return value == want
        if op == "!=":
            return value != want
        return None
    try:
        left, right = Decimal(str(value)), Decimal(str(limit))
    except InvalidOperation:
        return None
    return {
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
        "=": left == right,
        "!=": left != right,
    }.get(op)


# ---------------------------------------------------------------- key assistance


def criterion_text(criterion: dict) -> str:
    english = (get_language() or "").startswith("en")
    if english and criterion.get("text_en"):
        return str(criterion["text_en"])
    return str(criterion.get("text") or criterion.get("text_en") or criterion.get("code"))


def _criterion_row(criterion: dict, members: list[dict[str, Any]]) -> bool:
    for name, wanted in (criterion.get("any_member") or {}).items():
        if not any(m.get(name) in wanted for m in members):
            return False
    for name, refused in (criterion.get("no_member") or {}).items():
        if any(m.get(name) in refused for m in members):
            return False
    return True


def key_assistance_row(criteria: list[dict], members: list[dict[str, Any]]) -> list[str]:
    """The codes of the criteria that flag one household, from its active members (each a
    dict of MEMBER_FIELDS); empty: not flagged. No member: never flagged."""
    if not members:
        return []
    return [k["code"] for k in criteria if _criterion_row(k, members)]


def member_dicts(members: list[Member]) -> list[dict[str, Any]]:
    return [{name: getattr(m, name) for name in MEMBER_FIELDS} for m in _active(members)]


def key_assistance_frame(criteria: list[dict], members: pl.DataFrame) -> pl.DataFrame:
    """The column form of `key_assistance_row`: from active members (household_id and the
    MEMBER_FIELDS columns), one row per household with at least one member: household_id
    and `codes` (the list of criteria that flag it, in the criteria's order)."""
    if members.is_empty():
        return pl.DataFrame(schema={"household_id": pl.Int64, "codes": pl.List(pl.String)})
    aggs: list[pl.Expr] = []
    names: list[str] = []
    for i, k in enumerate(criteria):
        parts: list[pl.Expr] = [pl.lit(True)]
        for name, wanted in (k.get("any_member") or {}).items():
            parts.append(pl.col(name).is_in(list(wanted)).fill_null(False).any())
        for name, refused in (k.get("no_member") or {}).items():
            parts.append(~pl.col(name).is_in(list(refused)).fill_null(False).any())
        col = f"k{i}"
        aggs.append(pl.all_horizontal(parts).alias(col))
        names.append(col)
    grouped = members.group_by("household_id").agg(aggs or [pl.len().alias("_n")])
    codes = pl.concat_list(
        [
            pl.when(pl.col(n)).then(pl.lit(k["code"])).otherwise(None)
            for n, k in zip(names, criteria, strict=True)
        ]
        or [pl.lit(None, dtype=pl.String)]
    ).list.drop_nulls()
    return grouped.select(pl.col("household_id").cast(pl.Int64), codes.alias("codes"))


def key_assistance_errors(criteria: list[dict]) -> list[str]:
    """What is wrong with key-assistance criteria (empty: valid)."""
    errors = []
    for i, k in enumerate(criteria, start=1):
        where = gettext("Criterion %(n)s (%(code)s)") % {"n": i, "code": k.get("code") or "—"}
        if not k.get("code") or not (k.get("text") or k.get("text_en")):
            errors.append(f"{where}: " + gettext("give it a code and a text."))
        for part in ("any_member", "no_member"):
            for name, values in (k.get(part) or {}).items():
                choices = MEMBER_FIELDS.get(name)
                if choices is None or any(v not in choices.values for v in values):
                    errors.append(
                        f"{where}: "
                        + gettext("%(field)s: the fields are %(fields)s with their code values.")
                        % {"field": name, "fields": ", ".join(MEMBER_FIELDS)}
                    )
        if not (k.get("any_member") or k.get("no_member")):
            errors.append(f"{where}: " + gettext("name at least one member condition."))
    return errors


KEY_ASSISTANCE_LABEL = _("key-assistance household (重点帮扶对象)")
