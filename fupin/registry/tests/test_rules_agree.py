"""The household and member rules of `fupin.registry.rules`: the row form (one record, as
the services validate it) and the column form (a Polars frame, as the import validates a
file) give the same verdicts and the same messages, rule for rule, row for row.

Hypothesis generates records valid and invalid: unknown, duplicated, too many poverty
causes and the main cause among them; safe and unsafe houses with and without a danger
grade; statuses with and without a monitoring type; irrigated land over farmland; ID
numbers with a wrong check digit, a future or impossible birth date, a bad province, too
short or empty; sex and birth dates that disagree with them; education and school status
both or neither; disability grades without disability; migrant months without a place;
and files of members with several heads for households that already have one.
Empty values are None or "" in the row form (a form's blank) and null in the column form.
Derandomised, so every run checks the same records; no database needed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import make_id
from fupin.registry import choices as c
from fupin.registry import rules
from fupin.registry.models import Household, Member

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)
TODAY = dt.date(2025, 6, 30)

EMPTY = st.sampled_from([None, ""])


def maybe(values) -> st.SearchStrategy:
    return st.one_of(EMPTY, st.sampled_from(list(values)))


def null(value):
    """A row form's empty value as the column form holds it."""
    return None if value == "" else value


# ------------------------------------------------------------------ households

CAUSES = [*c.PovertyCause.values, "no_such_cause"]
MU = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False),
)


@st.composite
def households(draw) -> dict:
    return {
        "main_cause": draw(maybe(c.PovertyCause.values)),
        "other_causes": draw(st.one_of(st.none(), st.lists(st.sampled_from(CAUSES), max_size=4))),
        "housing_safe": draw(st.booleans()),
        "danger_grade": draw(maybe(c.DangerGrade.values)),
        "status": draw(st.sampled_from(c.HouseholdStatus.values)),
        "monitoring_type": draw(maybe(c.MonitoringType.values)),
        "farmland_mu": draw(MU),
        "irrigated_mu": draw(MU),
    }


HOUSEHOLD_SCHEMA = {
    "main_cause": pl.String,
    "other_causes": pl.List(pl.String),
    "housing_safe": pl.Boolean,
    "danger_grade": pl.String,
    "status": pl.String,
    "monitoring_type": pl.String,
    "farmland_mu": pl.Decimal(14, 2),
    "irrigated_mu": pl.Decimal(14, 2),
}


def per_row(columns: list[tuple[str, pl.Series]], height: int) -> list[list[tuple[str, str]]]:
    """The column form's messages as one list of (field, message) per row, in rule order."""
    out: list[list[tuple[str, str]]] = [[] for _ in range(height)]
    for field, messages in columns:
        assert messages.len() == height
        for i, message in enumerate(messages.to_list()):
            if message is not None:
                out[i].append((field, message))
    return out


def household_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        [{k: null(v) for k, v in row.items()} for row in rows], schema=HOUSEHOLD_SCHEMA
    )


@SETTINGS
@given(st.lists(households(), min_size=1, max_size=30))
@example(
    [
        {
            "main_cause": "illness",
            "other_causes": ["illness", "illness", "no_such_cause"],
            "housing_safe": False,
            "danger_grade": "",
            "status": c.HouseholdStatus.MONITORED,
            "monitoring_type": None,
            "farmland_mu": None,
            "irrigated_mu": Decimal("0.01"),
        }
    ]
)
def test_household_forms_agree(rows):
    expected = [rules.household_errors(row) for row in rows]
    got = per_row(rules.household_error_columns(household_frame(rows)), len(rows))
    assert got == expected


def test_household_rules_all_fire_and_the_model_reads_like_the_mapping():
    row = {
        "main_cause": "illness",
        "other_causes": ["illness", "illness", "no_such_cause"],
        "housing_safe": False,
        "danger_grade": "",
        "status": c.HouseholdStatus.POOR,
        "monitoring_type": c.MonitoringType.EDGE,
        "farmland_mu": Decimal("1.00"),
        "irrigated_mu": Decimal("1.01"),
    }
    errors = rules.household_errors(row)
    assert [m for _f, m in errors] == [
        str(rules.UNKNOWN_CAUSE),
        str(rules.TOO_MANY_CAUSES),
        str(rules.MAIN_CAUSE_ALSO_OTHER),
        str(rules.CAUSE_TWICE),
        str(rules.UNSAFE_NEEDS_GRADE),
        str(rules.TYPE_ONLY_EXITED_OR_MONITORED),
        str(rules.IRRIGATED_OVER_FARMLAND),
    ]
    assert rules.household_errors(Household(**row)) == errors
    assert per_row(rules.household_error_columns(household_frame([row])), 1) == [errors]


# ------------------------------------------------------------------ members

BIRTHS = ["19800101", "20000229", "20240630", "20250701", "20300101", "19990229", "18700101"]
PLACES = c.MigrantPlace.values


@st.composite
def id_numbers(draw) -> str | None:
    kind = draw(st.sampled_from(["valid", "valid", "check", "short", "province", "empty"]))
    number = make_id(
        region=draw(st.sampled_from(["431129", "110101"])),
        birth=draw(st.sampled_from(BIRTHS)),
        seq=f"{draw(st.integers(0, 999)):03d}",
    )
    if kind == "check":  # one mistyped check character
        last = "0123456789X"
        number = number[:17] + last[(last.index(number[17]) + 1) % 11]
    elif kind == "short":
        number = number[:17]
    elif kind == "province":
        number = "99" + number[2:17] + "0"
    elif kind == "empty":
        return draw(EMPTY)
    return number


@st.composite
def members(draw) -> dict:
    number = draw(id_numbers())
    birth_from_id = None
    if number and len(number) == 18:
        try:
            birth_from_id = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            birth_from_id = None
    dates = [dt.date(1980, 1, 2), dt.date(2030, 1, 1)]  # disagreeing, future
    if birth_from_id is not None:
        dates += [birth_from_id, birth_from_id]
    return {
        "id_number": number,
        "sex": draw(maybe(c.Sex.values)),
        "birth_date": draw(st.one_of(st.none(), st.sampled_from(dates))),
        "education": draw(maybe(c.Education.values)),
        "school_status": draw(maybe(c.SchoolStatus.values)),
        "health": draw(maybe(c.Health.values + [c.Health.DISABLED] * 2)),
        "disability_grade": draw(st.one_of(st.none(), st.integers(1, 4))),
        "migrant_place": draw(maybe(PLACES)),
        "migrant_months": draw(st.one_of(st.none(), st.integers(0, 12))),
    }


MEMBER_SCHEMA = {
    "id_number": pl.String,
    "sex": pl.String,
    "birth_date": pl.Date,
    "education": pl.String,
    "school_status": pl.String,
    "health": pl.String,
    "disability_grade": pl.Int64,
    "migrant_place": pl.String,
    "migrant_months": pl.Int64,
}


def member_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        [{k: null(v) for k, v in row.items()} for row in rows], schema=MEMBER_SCHEMA
    )


@SETTINGS
@given(st.lists(members(), min_size=1, max_size=30))
def test_member_forms_agree(rows):
    expected = [rules.member_errors(row, TODAY) for row in rows]
    got = per_row(rules.member_error_columns(member_frame(rows), TODAY), len(rows))
    assert got == expected


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_member_messages_filled_alike_in_both_languages(language):
    number = make_id(birth="19800101", seq="124")  # a woman born 1980-01-01
    row = {
        "id_number": number,
        "sex": "M",
        "birth_date": dt.date(1980, 1, 2),
        "education": "primary",
        "school_status": "primary",
        "health": c.Health.HEALTHY,
        "disability_grade": 2,
        "migrant_place": None,
        "migrant_months": 3,
    }
    with translation.override(language):
        errors = rules.member_errors(row, TODAY)
        assert [f for f, _m in errors] == [
            "sex",
            "birth_date",
            "education",
            "disability_grade",
            "migrant_months",
        ]
        assert errors[0][1] == str(rules.ID_SAYS_SEX) % {"sex": str(translation.gettext("female"))}
        assert "1980-01-01" in errors[1][1]
        assert per_row(rules.member_error_columns(member_frame([row]), TODAY), 1) == [errors]
        # The model instance reads as the mapping does.
        assert rules.member_errors(Member(**row), TODAY) == errors


def test_an_invalid_id_number_says_nothing_about_sex_or_birth():
    number = make_id(birth="19800101", seq="124")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    row = {"id_number": wrong, "sex": "M", "birth_date": dt.date(1999, 1, 1)}
    row |= {"education": "primary", "school_status": None, "health": c.Health.HEALTHY}
    assert rules.member_errors(row, TODAY) == []
    assert per_row(rules.member_error_columns(member_frame([row]), TODAY), 1) == [[]]


# ------------------------------------------------------------------ one head per household

HOUSEHOLDS = ["A", "B", "C"]
PEOPLE = [f"p{i}" for i in range(8)]


@st.composite
def files(draw) -> tuple[list[dict], list[tuple[str, str]]]:
    """Stored heads (household, person; a household may already have two, from before the
    rule) and a file of member rows (each person once)."""
    stored = draw(
        st.lists(
            st.tuples(st.sampled_from(HOUSEHOLDS), st.sampled_from(PEOPLE)),
            max_size=4,
            unique_by=lambda t: t[1],
        )
    )
    people = draw(st.lists(st.sampled_from(PEOPLE), unique=True, max_size=len(PEOPLE)))
    rows = []
    for i, person in enumerate(people):
        rows.append(
            {
                "household_number": draw(st.sampled_from(HOUSEHOLDS)),
                "id_number": person,
                "relation": draw(st.sampled_from([c.Relation.HEAD, c.Relation.SPOUSE])),
                "_ok": draw(st.sampled_from([True, True, False])),
                "_row": 2 + i,
            }
        )
    order = draw(st.permutations(range(len(rows))))
    return [rows[i] for i in order], stored


def heads_one_by_one(rows: list[dict], stored: list[tuple[str, str]]) -> list[str | None]:
    """The row form applied to the file's rows one at a time: a stored head listed in a
    kept row counts as that row says; stored heads listed go first, then file order."""
    listed = {(r["household_number"], r["id_number"]) for r in rows if r["_ok"]}
    heads = {h: {p for hh, p in stored if hh == h and (hh, p) not in listed} for h in HOUSEHOLDS}
    stored_set = set(stored)
    out: list[str | None] = [None] * len(rows)
    order = sorted(
        range(len(rows)),
        key=lambda i: (
            (rows[i]["household_number"], rows[i]["id_number"]) not in stored_set,
            rows[i]["_row"],
        ),
    )
    for i in order:
        row = rows[i]
        if not row["_ok"]:
            continue
        household = heads[row["household_number"]]
        errors = rules.head_errors(row, other_head=bool(household - {row["id_number"]}))
        if errors:
            out[i] = errors[0][1]
        elif row["relation"] == c.Relation.HEAD:
            household.add(row["id_number"])
    return out


@SETTINGS
@given(files())
def test_one_head_forms_agree(file):
    rows, stored = file
    frame = pl.DataFrame(
        rows,
        schema={
            "household_number": pl.String,
            "id_number": pl.String,
            "relation": pl.String,
            "_ok": pl.Boolean,
            "_row": pl.Int64,
        },
    )
    stored_frame = pl.DataFrame(
        stored, schema={"household_number": pl.String, "id_number": pl.String}, orient="row"
    )
    messages = rules.second_head_messages(frame, stored_frame).to_list()
    assert messages == heads_one_by_one(rows, stored)


def test_head_row_form():
    head = {"relation": c.Relation.HEAD}
    assert rules.head_errors(head, other_head=True) == [("relation", str(rules.SECOND_HEAD))]
    assert rules.head_errors(head, other_head=False) == []
    assert rules.head_errors({**head, "is_active": False}, other_head=True) == []
    assert rules.head_errors({"relation": c.Relation.SPOUSE}, other_head=True) == []


# ------------------------------------------------------------------ length of a text

MEMBER_TEXTS = ["name", "phone"]
HOUSEHOLD_TEXTS = ["number", "group_name", "address", "phone", "bank_name", "bank_account"]
TEXT = st.one_of(EMPTY, st.text(alphabet="赵李a1 -", max_size=70))


@SETTINGS
@given(st.lists(st.fixed_dictionaries({f: TEXT for f in HOUSEHOLD_TEXTS}), min_size=1, max_size=20))
def test_text_length_forms_agree(rows):
    expected = [rules.text_length_errors(row, Household, HOUSEHOLD_TEXTS) for row in rows]
    frame = pl.DataFrame(
        [{k: null(v) for k, v in row.items()} for row in rows],
        schema={f: pl.String for f in HOUSEHOLD_TEXTS},
    )
    columns = rules.text_length_columns(frame, Household, {f: f for f in HOUSEHOLD_TEXTS})
    assert per_row(columns, len(rows)) == expected


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_text_length_says_what_full_clean_says(language):
    row = {"name": "赵" * 51, "phone": "1" * 20}
    with translation.override(language):
        errors = rules.text_length_errors(row, Member, MEMBER_TEXTS)
        with pytest.raises(ValidationError) as caught:
            Member(**row).full_clean()
        said = caught.value.message_dict["name"]
        assert errors == [("name", said[0])]
        frame = pl.DataFrame({"person": [row["name"]], "phone": [row["phone"]]})
        columns = rules.text_length_columns(frame, Member, {"person": "name", "phone": "phone"})
        assert per_row(columns, 1) == [[("person", said[0])]]
