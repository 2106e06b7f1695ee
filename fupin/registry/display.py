"""Turning stored values (history records, as-of states) into what people read.

Presentation only: labels from the models' verbose names, choice codes to their
labels, and sensitive values always masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, Model
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.core.masking import MASKERS, mask_birth_date
from fupin.core.models import ChangeRecord
from fupin.registry import choices as c
from fupin.registry.forms import HouseholdForm
from fupin.registry.models import Household, IncomeRecord, Member

HIDDEN = {"id", "household_id", "created_at", "updated_at", "recorded_at", "post_data"}


def model_for(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[Model] | None, attname: str) -> Field[Any, Any] | None:
    if model is None:
        return None
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f
    try:
        found = model._meta.get_field(attname)
    except FieldDoesNotExist:
        return None
    # A reverse relation has no label or choices of its own: shown as its name.
    return found if isinstance(found, Field) else None


def field_label(model: type[Model] | None, attname: str) -> str:
    f = _field(model, attname)
    return str(f.verbose_name) if f is not None else attname


def _may_reveal(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "may_reveal", False))


def show_value(
    model: type[Model] | None, attname: str, value: Any, user: User | None = None
) -> str:
    """A stored (JSON) value as text: choices labelled, booleans as yes/no, PII masked.

    A person's birth date is shown in full only to a `user` who may reveal; others (and
    callers that pass no user) read its year, which cannot rebuild the ID number."""
    if value is None or value == "":
        return "—"
    sensitive = getattr(model, "SENSITIVE_FIELDS", ()) if model is not None else ()
    if attname in sensitive:
        return MASKERS[attname](str(value))
    if attname == "birth_date" and model is Member and not _may_reveal(user):
        return mask_birth_date(str(value)) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if attname == "other_causes" and isinstance(value, list):
        labels = dict(c.PovertyCause.choices)
        return "、".join(str(labels.get(v, v)) for v in value) or "—"
    f = _field(model, attname)
    if f is not None and f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, list | dict):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


def describe_changes(record: ChangeRecord, user: User | None = None) -> list[FieldChange]:
    model = model_for(record.object_type)
    out: list[FieldChange] = []
    for attname, pair in record.effective_changes.items():
        if attname in HIDDEN:
            continue
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        if record.action == "create" and (new is None or new == "" or new == []):
            continue
        out.append(
            FieldChange(
                label=field_label(model, attname),
                old=show_value(model, attname, old, user),
                new=show_value(model, attname, new, user),
            )
        )
    return out


def object_type_label(object_type: str) -> str:
    model = model_for(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def state_rows(
    model: type[Model] | None, state: dict[str, Any], fields: list[str]
) -> list[tuple[str, str]]:
    return [
        (field_label(model, name), show_value(model, name, state.get(name)))
        for name in fields
        if name in state
    ]


HOUSEHOLD_STATE_FIELDS = [
    f.attname for f in Household._meta.concrete_fields if f.attname not in HIDDEN
]
MEMBER_STATE_FIELDS = [
    "name",
    "id_number",
    "sex",
    "birth_date",
    "relation",
    "health",
    "labour",
    "education",
    "school_status",
    "is_active",
]


def as_of_view(state: dict[str, Any], user: User | None = None) -> dict[str, Any]:
    return {
        "household": state_rows(Household, state["household"], HOUSEHOLD_STATE_FIELDS),
        "member_labels": [field_label(Member, f) for f in MEMBER_STATE_FIELDS],
        "members": [
            [show_value(Member, f, m.get(f), user) for f in MEMBER_STATE_FIELDS]
            for m in state["members"]
        ],
    }


@dataclass
class IncomeTable:
    years: list[int]
    rows: list[tuple[str, list[Any], bool]]  # label, values per year, emphasised


def income_table(incomes: Iterable[IncomeRecord]) -> IncomeTable:
    """Years as columns, income components as rows (the 收入明白卡 layout)."""
    recs = sorted(incomes, key=lambda r: r.year, reverse=True)
    label: Callable[[str], str] = lambda name: field_label(IncomeRecord, name)  # noqa: E731
    rows: list[tuple[str, list[Any], bool]] = [
        (label("household_size"), [r.household_size for r in recs], False)
    ]
    for name in IncomeRecord.INCOME_FIELDS:
        rows.append((label(name), [getattr(r, name) for r in recs], False))
    rows.append((_("Total income"), [r.total_income for r in recs], True))
    rows.append((label("production_expenses"), [r.production_expenses for r in recs], False))
    rows.append((_("Net income"), [r.net_income for r in recs], True))
    rows.append((_("Net income per person"), [r.net_income_per_capita for r in recs], True))
    return IncomeTable(years=[r.year for r in recs], rows=rows)


def household_groups(h: Household) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The household's fields grouped as on the registration form.

    Each row is (label, text, sensitive field name or ""); sensitive rows are rendered
    masked with a reveal button by the template.
    """
    village = h.village
    township = village.parent
    out = []
    for title, names in HouseholdForm.GROUPS:
        rows: list[tuple[str, str, str]] = []
        for name in names:
            if name == "reason":
                continue
            if name == "village_code":
                rows.append((_("Household number"), h.number, ""))
                if township is not None:
                    rows.append((_("Township"), township.name, ""))
                rows.append((_("Village"), f"{village.name} ({village.code})", ""))
                continue
            if name in Household.SENSITIVE_FIELDS:
                rows.append((field_label(Household, name), "", name))
                continue
            text = show_value(Household, name, getattr(h, name))
            rows.append((field_label(Household, name), text, ""))
        if rows:
            out.append((str(title), rows))
    return out
