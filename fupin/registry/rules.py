"""The registration form's rules for households and members, defined once.

A household or a member is validated one at a time by the registry's services (a form, the
API) and a million rows at a time by the import. Both run the rules of this module, in
one of two forms side by side, sharing the same message (one gettext each):

- the **row form** on one record (a model instance or a mapping of field values, an
  empty value being None or ""): `household_errors(h)`, `member_errors(m, today)` and
  `head_errors(m, other_head)`, each a list of (field, message);
- the **column form** on a Polars frame whose columns are named as the model's fields
  (an empty cell null): `household_error_columns(frame)`,
  `member_error_columns(frame, today)`, each a list of (field, Series of the message or
  null per row) in the same order as the row form; and `second_heads(frame, stored_heads)`
  for the one-head rule across a file.

A rule that needs the database takes what it read as an argument: the row form of the
one-head rule whether the household already has another active head, the column form
the heads the registry holds for the file's households. A Hypothesis test proves both
forms give the same verdicts and the same messages (`tests/test_rules_agree.py`).

Field validity (a value of the list, a date) is the field's own business (the model's
`full_clean`, the import's parsers), except the length of a text, which the import
checks column-wise with `text_length_columns` (the row form, `text_length_errors`, is
the model field's own validator, as `full_clean` runs it); the ID number's own rules are
`idnumber` (row form) and `idframes` (column form).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fupin.core.errors import IdNumberInvalid
from fupin.registry import choices as c
from fupin.registry import idframes, idnumber

Errors = list[tuple[str, str]]

# ------------------------------------------------------------------ messages

UNKNOWN_CAUSE = _("Unknown poverty cause.")
TOO_MANY_CAUSES = _("At most two other causes.")
MAIN_CAUSE_ALSO_OTHER = _("The main cause cannot also be another cause.")
CAUSE_TWICE = _("A cause is listed twice.")
UNSAFE_NEEDS_GRADE = _("An unsafe house needs its danger grade (C or D).")
SAFE_HAS_NO_GRADE = _("A safe house has no danger grade.")
MONITORED_NEEDS_TYPE = _("A monitoring object needs its monitoring type.")
TYPE_ONLY_EXITED_OR_MONITORED = _(
    "Only exited households and monitoring objects have a monitoring type."
)
IRRIGATED_OVER_FARMLAND = _("Irrigated farmland cannot exceed farmland.")
EDUCATION_OR_SCHOOL = _("Fill in exactly one of education and school status.")
DISABLED_NEEDS_GRADE = _("A disabled person needs a disability grade.")
GRADE_ONLY_DISABLED = _("Only a disabled person has a disability grade.")
MIGRANT_TOGETHER = _("Migrant work place and months are filled in together or not at all.")
SECOND_HEAD = _("The household already has a head.")
ID_SAYS_SEX = _("The ID number says this person is %(sex)s.")
ID_SAYS_BIRTH = _("The ID number says this person was born on %(date)s.")

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def fill(template: Promise | str, **values: Any) -> str:
    """The row form of a message: translated now, its %(name)s placeholders filled."""
    return str(template) % values if values else str(template)


def fill_expr(template: Promise | str, **values: pl.Expr) -> pl.Expr:
    """The column form of a message: translated once (not once a row), its %(name)s
    placeholders filled per row from `values` (text, a date as YYYY-MM-DD)."""
    text = str(template)
    if not values:
        return pl.lit(text, dtype=pl.String)
    parts: list[pl.Expr] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(pl.lit(text[pos : match.start()]))
        parts.append(values[match.group(1)].cast(pl.String).fill_null(""))
        pos = match.end()
    parts.append(pl.lit(text[pos:]))
    return pl.concat_str(parts)


# ------------------------------------------------------------------ the rule table


def _get(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _filled(value: Any) -> bool:
    """Row form of "not null": None and "" are empty (a form's blank), 0 and False not."""
    return value is not None and value != ""


def _is_null(name: str) -> pl.Expr:
    return pl.col(name).is_null()


@dataclass(frozen=True)
class Rule:
    """One rule: the field it reports on, its message, and when it is broken, in the row
    form (`broken(record)`) and the column form (`broken_expr()`, true where broken, never
    null). A message with placeholders takes them from `values(record)` and
    `value_exprs()`."""

    field: str
    message: Promise
    broken: Callable[[Any], bool]
    broken_expr: Callable[[], pl.Expr]
    values: Callable[[Any], dict[str, Any]] | None = None
    value_exprs: Callable[[], dict[str, pl.Expr]] | None = None

    def row(self, record: Any) -> str | None:
        if not self.broken(record):
            return None
        return fill(self.message, **(self.values(record) if self.values else {}))

    def column(self) -> pl.Expr:
        message = fill_expr(self.message, **(self.value_exprs() if self.value_exprs else {}))
        return pl.when(self.broken_expr().fill_null(False)).then(message).otherwise(None)


def _row_errors(rules: tuple[Rule, ...], record: Any) -> Errors:
    out: Errors = []
    for rule in rules:
        message = rule.row(record)
        if message is not None:
            out.append((rule.field, message))
    return out


def _column_errors(rules: tuple[Rule, ...], frame: pl.DataFrame) -> list[tuple[str, pl.Series]]:
    out = frame.select(rule.column().alias(f"_rule{i}") for i, rule in enumerate(rules))
    return [(rule.field, out[f"_rule{i}"]) for i, rule in enumerate(rules)]


# ------------------------------------------------------------------ households


def _causes(h: Any) -> list[Any]:
    return list(_get(h, "other_causes") or [])


def _mu(h: Any, name: str) -> Decimal:
    value = _get(h, name)
    try:
        return Decimal(0) if value is None or value == "" else Decimal(str(value))
    except ArithmeticError:  # not a number: the field's own validation says so
        return Decimal(0)


_CAUSES = sorted(c.PovertyCause.values)
_MONITORED = c.HouseholdStatus.MONITORED
_HAS_TYPE = [c.HouseholdStatus.MONITORED, c.HouseholdStatus.EXITED]


def _causes_expr() -> pl.Expr:
    return pl.col("other_causes").fill_null(pl.lit([], dtype=pl.List(pl.String)))


HOUSEHOLD_RULES: tuple[Rule, ...] = (
    Rule(
        "other_causes",
        UNKNOWN_CAUSE,
        lambda h: any(x not in c.PovertyCause.values for x in _causes(h)),
        lambda: _causes_expr().list.eval(~pl.element().is_in(_CAUSES)).list.any(),
    ),
    Rule(
        "other_causes",
        TOO_MANY_CAUSES,
        lambda h: len(_causes(h)) > 2,
        lambda: _causes_expr().list.len() > 2,
    ),
    Rule(
        "other_causes",
        MAIN_CAUSE_ALSO_OTHER,
        lambda h: _filled(_get(h, "main_cause")) and _get(h, "main_cause") in _causes(h),
        lambda: _causes_expr().list.contains(pl.col("main_cause")),
    ),
    Rule(
        "other_causes",
        CAUSE_TWICE,
        lambda h: len(set(_causes(h))) != len(_causes(h)),
        lambda: _causes_expr().list.n_unique() != _causes_expr().list.len(),
    ),
    Rule(
        "danger_grade",
        UNSAFE_NEEDS_GRADE,
        lambda h: _get(h, "housing_safe") is False and not _filled(_get(h, "danger_grade")),
        lambda: (pl.col("housing_safe") == False) & _is_null("danger_grade"),  # noqa: E712
    ),
    Rule(
        "danger_grade",
        SAFE_HAS_NO_GRADE,
        lambda h: _get(h, "housing_safe") is True and _filled(_get(h, "danger_grade")),
        lambda: (pl.col("housing_safe") == True) & ~_is_null("danger_grade"),  # noqa: E712
    ),
    Rule(
        "monitoring_type",
        MONITORED_NEEDS_TYPE,
        lambda h: _get(h, "status") == _MONITORED and not _filled(_get(h, "monitoring_type")),
        lambda: (pl.col("status") == _MONITORED) & _is_null("monitoring_type"),
    ),
    Rule(
        "monitoring_type",
        TYPE_ONLY_EXITED_OR_MONITORED,
        lambda h: _filled(_get(h, "monitoring_type")) and _get(h, "status") not in _HAS_TYPE,
        lambda: ~_is_null("monitoring_type") & ~pl.col("status").is_in(_HAS_TYPE).fill_null(False),
    ),
    Rule(
        "irrigated_mu",
        IRRIGATED_OVER_FARMLAND,
        lambda h: _mu(h, "irrigated_mu") > _mu(h, "farmland_mu"),
        lambda: pl.col("irrigated_mu").fill_null(0) > pl.col("farmland_mu").fill_null(0),
    ),
)


def household_errors(h: Any) -> Errors:
    """Row form: the registration form's rules across a household's fields, as (field,
    message) in rule order."""
    return _row_errors(HOUSEHOLD_RULES, h)


def household_error_columns(frame: pl.DataFrame) -> list[tuple[str, pl.Series]]:
    """Column form of `household_errors`: per rule, its field and the message (or null)
    of each row of `frame`."""
    return _column_errors(HOUSEHOLD_RULES, frame)


# ------------------------------------------------------------------ members

# Sex and birth date as the ID number says them (null where the number is not valid):
# `member_view` adds them to a record, `with_id_facts` to a frame.
ID_SEX = "_id_sex"
ID_BIRTH = "_id_birth"


def member_view(m: Any, today: dt.date | None = None) -> dict[str, Any]:
    """The member's fields the rules read, with what its ID number says (`ID_SEX`,
    `ID_BIRTH`; None when the number is not valid)."""
    names = ["sex", "birth_date", "education", "school_status", "health"]
    names += ["disability_grade", "migrant_place", "migrant_months", "relation", "is_active"]
    view = {name: _get(m, name) for name in names}
    try:
        number = idnumber.parse(_get(m, "id_number"), today=today)
    except IdNumberInvalid:
        view[ID_SEX] = view[ID_BIRTH] = None
    else:
        view[ID_SEX], view[ID_BIRTH] = number.sex, number.birth_date
    return view


def with_id_facts(frame: pl.DataFrame, today: dt.date | None = None) -> pl.DataFrame:
    """Column form of what the ID number says, for the rules: `ID_SEX` ("M"/"F") and
    `ID_BIRTH` from its digits, null where the number is not valid (`idframes`, which
    agrees with `idnumber.parse`). Validity is the costly part, so it is decided only on
    the rows whose entered sex or birth date disagree with the digits: on the others the
    facts cannot break a rule, and they keep the digits' word (a row with an invalid
    number is refused for it anyway)."""
    digits = (
        frame.with_columns(idframes.normalise(pl.col("id_number")).alias("_id_norm"))
        .with_columns(
            idframes.sex(pl.col("_id_norm")).alias(ID_SEX),
            idframes.birth_date(pl.col("_id_norm")).alias(ID_BIRTH),
        )
        .with_row_index("_id_i")
    )
    disagree = (pl.col("sex") != pl.col(ID_SEX)) | (pl.col("birth_date") != pl.col(ID_BIRTH))
    invalid = (
        digits.filter(disagree.fill_null(False))
        .filter(~idframes.valid(pl.col("_id_norm"), today))
        .get_column("_id_i")
    )
    gone = pl.col("_id_i").is_in(invalid.implode())
    return digits.with_columns(
        pl.when(gone).then(None).otherwise(pl.col(ID_SEX)).alias(ID_SEX),
        pl.when(gone).then(None).otherwise(pl.col(ID_BIRTH)).alias(ID_BIRTH),
    ).drop("_id_norm", "_id_i")


def _sex_word(code: Any) -> str:
    """The word for the sex an ID number says ("M" or "F")."""
    return str(_("male") if code == "M" else _("female"))


def _months(m: Any) -> int:
    value = _get(m, "migrant_months")
    return 0 if value is None or value == "" else int(value)


MEMBER_RULES: tuple[Rule, ...] = (
    Rule(
        "sex",
        ID_SAYS_SEX,
        lambda m: _filled(m[ID_SEX]) and _filled(m["sex"]) and m["sex"] != m[ID_SEX],
        lambda: pl.col("sex") != pl.col(ID_SEX),
        values=lambda m: {"sex": _sex_word(m[ID_SEX])},
        value_exprs=lambda: {
            "sex": pl.col(ID_SEX).replace_strict(
                {"M": _sex_word("M"), "F": _sex_word("F")}, default=""
            )
        },
    ),
    Rule(
        "birth_date",
        ID_SAYS_BIRTH,
        lambda m: (
            _filled(m[ID_BIRTH]) and _filled(m["birth_date"]) and m["birth_date"] != m[ID_BIRTH]
        ),
        lambda: pl.col("birth_date") != pl.col(ID_BIRTH),
        values=lambda m: {"date": m[ID_BIRTH].isoformat()},
        value_exprs=lambda: {"date": pl.col(ID_BIRTH)},
    ),
    Rule(
        "education",
        EDUCATION_OR_SCHOOL,
        lambda m: _filled(m["education"]) == _filled(m["school_status"]),
        lambda: _is_null("education") == _is_null("school_status"),
    ),
    Rule(
        "disability_grade",
        DISABLED_NEEDS_GRADE,
        lambda m: m["health"] == c.Health.DISABLED and not _filled(m["disability_grade"]),
        lambda: (pl.col("health") == c.Health.DISABLED) & _is_null("disability_grade"),
    ),
    Rule(
        "disability_grade",
        GRADE_ONLY_DISABLED,
        lambda m: m["health"] != c.Health.DISABLED and _filled(m["disability_grade"]),
        lambda: (
            ~(pl.col("health") == c.Health.DISABLED).fill_null(False)
            & ~_is_null("disability_grade")
        ),
    ),
    Rule(
        "migrant_months",
        MIGRANT_TOGETHER,
        lambda m: _filled(m["migrant_place"]) != (_months(m) != 0),
        lambda: ~_is_null("migrant_place") != (pl.col("migrant_months").fill_null(0) != 0),
    ),
)


def member_errors(m: Any, today: dt.date | None = None) -> Errors:
    """Row form: the registration form's rules across a member's fields (sex and birth
    date as the ID number says, when it is valid; education or school status; disability
    grade; migrant work), as (field, message) in rule order. The ID number's own validity
    is `idnumber.parse`; one head per household is `head_errors`."""
    view = m if isinstance(m, Mapping) and ID_SEX in m else member_view(m, today)
    return _row_errors(MEMBER_RULES, view)


def member_error_columns(
    frame: pl.DataFrame, today: dt.date | None = None
) -> list[tuple[str, pl.Series]]:
    """Column form of `member_errors` over a frame of members (an `id_number` column and
    the fields of the rules)."""
    if ID_SEX not in frame.columns:
        frame = with_id_facts(frame, today)
    return _column_errors(MEMBER_RULES, frame)


# ------------------------------------------------------------------ one head per household


def head_errors(m: Any, *, other_head: bool) -> Errors:
    """Row form of "one active head per household": `other_head` says whether the
    household has another active head (read from the database by the caller)."""
    is_active = _get(m, "is_active")
    if _get(m, "relation") == c.Relation.HEAD and is_active is not False and other_head:
        return [("relation", fill(SECOND_HEAD))]
    return []


def second_heads(frame: pl.DataFrame, stored_heads: pl.DataFrame) -> pl.Series:
    """Column form of `head_errors` over a file of members: true for each head row that
    would give its household a second active head.

    `frame`: household_number, id_number, relation, `_ok` (false: the row writes nothing
    and counts for nothing) and `_row` (file order). `stored_heads` (household_number,
    id_number): the active heads the registry holds for those households. A stored head
    listed in the file counts as the file's row says (its relation changed in the same
    upload: no longer a head) and comes first; the other head rows, in file order, are
    refused once the household has a head. That is the row form applied to the rows one
    by one in that order, each seeing the heads before it."""
    listed = frame.filter("_ok").select("household_number", "id_number")
    kept = (
        stored_heads.join(listed, on=["household_number", "id_number"], how="anti")
        .group_by("household_number")
        .agg(pl.len().alias("_kept"))
    )
    was_head = stored_heads.select(
        "household_number", "id_number", pl.lit(True).alias("_was_head")
    ).unique()
    head = (pl.col("relation") == c.Relation.HEAD) & pl.col("_ok")
    j = (
        frame.select("household_number", "id_number", "relation", "_ok", "_row")
        .with_row_index("_i")
        .join(kept, on="household_number", how="left", maintain_order="left")
        .join(was_head, on=["household_number", "id_number"], how="left", maintain_order="left")
        .with_columns(pl.col("_kept").fill_null(0), pl.col("_was_head").fill_null(False))
    )
    order = ["household_number", "_was_head", "_row", "_i"]
    ranked = (
        j.sort(order, descending=[False, True, False, False], nulls_last=True)
        .with_columns(head.cast(pl.Int64).cum_sum().over("household_number").alias("_rank"))
        .sort("_i")
    )
    second = (head & (pl.col("_kept") + pl.col("_rank") > 1)).fill_null(False)
    return ranked.select(second).to_series()


def second_head_messages(frame: pl.DataFrame, stored_heads: pl.DataFrame) -> pl.Series:
    """`second_heads` as the message (or null) of each row."""
    second = pl.DataFrame({"_second": second_heads(frame, stored_heads)})
    return second.select(pl.when("_second").then(fill_expr(SECOND_HEAD))).to_series()


# ------------------------------------------------------------------ length of a text


def _max_lengths(model: type[models.Model], fields: list[str]) -> dict[str, int]:
    out = {}
    for name in fields:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, models.CharField) and field.max_length:
            out[name] = field.max_length
    return out


def text_length_errors(record: Any, model: type[models.Model], fields: list[str]) -> Errors:
    """Row form: the texts of `fields` longer than the model field allows, with the
    message of Django's `MaxLengthValidator` (what `full_clean` says)."""
    out: Errors = []
    for name, limit in _max_lengths(model, fields).items():
        value = _get(record, name)
        if not _filled(value):
            continue
        try:
            MaxLengthValidator(limit)(str(value))
        except ValidationError as exc:
            out.append((name, exc.messages[0]))
    return out


_MARK = 987654321  # stands for the length in the template: no message holds it


def text_length_columns(
    frame: pl.DataFrame, model: type[models.Model], columns: Mapping[str, str]
) -> list[tuple[str, pl.Series]]:
    """Column form of `text_length_errors` over the text `columns` of `frame` (column →
    model field): per column, the message (or null) of each row. The message is Django's,
    translated once per column (its plural follows the limit) with the length filled in
    per row."""
    limits = _max_lengths(model, list(columns.values()))
    exprs: list[tuple[str, pl.Expr]] = []
    for code, name in columns.items():
        if name not in limits or code not in frame.columns:
            continue
        limit = limits[name]
        before, after = str(
            MaxLengthValidator.message % {"limit_value": limit, "show_value": _MARK}
        ).split(str(_MARK))
        length = pl.col(code).cast(pl.String).str.len_chars()
        message = pl.concat_str([pl.lit(before), length.cast(pl.String), pl.lit(after)])
        exprs.append((code, pl.when(length > limit).then(message).otherwise(None)))
    if not exprs:
        return []
    out = frame.select(expr.alias(f"_len{i}") for i, (_code, expr) in enumerate(exprs))
    return [(code, out[f"_len{i}"]) for i, (code, _expr) in enumerate(exprs)]
