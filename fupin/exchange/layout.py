"""The registration workbook (建档立卡信息采集表): sheets, columns and their stable codes.

One sheet of households, one of members, one of yearly income. Each column has a stable
code (the same in every language and every release, written to the hidden sheet
`_columns` of an exported workbook), a header that follows the user's language (Chinese
by default, as on the national form), a kind that says how values are read, and the
model field it fills. Import recognises a column by its code, its Chinese header or its
English header, so a workbook filled in by hand, re-typed headers and all, still loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.registry import choices as c
from fupin.registry.models import Household, IncomeRecord, Member

if TYPE_CHECKING:  # a name of django-stubs only
    from django.utils.functional import _StrOrPromise as StrOrPromise

# Kinds of column.
TEXT = "text"
CODE = "code"  # one value of a code list (label, traditional label or code)
CODES = "codes"  # several values of a code list separated by 、,;
DATE = "date"
INT = "int"
MONEY = "money"
BOOL = "bool"
DIVISION = "division"  # a 12-digit village code
ID_NUMBER = "id_number"
INFO = "info"  # written on export for people to read, ignored on import


@dataclass(frozen=True)
class Column:
    code: str
    header: StrOrPromise  # lazy translated
    kind: str
    field: str = ""  # model attribute filled by the column ("" for INFO / link columns)
    choices: type[models.Choices] | None = None
    required: bool = False
    width: int = 14
    low: int | None = None  # the range of an INT column
    high: int | None = None

    @property
    def code_list(self) -> type[models.Choices]:
        """The code list of a CODE or CODES column (every such column has one)."""
        if self.choices is None:
            raise ValueError(f"column {self.code} has no code list")
        return self.choices


@dataclass(frozen=True)
class Sheet:
    key: str
    title: StrOrPromise  # lazy translated sheet name
    model: type[models.Model]
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def column(self, code: str) -> Column:
        return next(col for col in self.columns if col.code == code)

    @property
    def codes(self) -> list[str]:
        return [col.code for col in self.columns]


def _model_header(model: type[models.Model], name: str) -> StrOrPromise:
    found = model._meta.get_field(name)
    # Every column fills a field of its own model, never a reverse relation.
    if not isinstance(found, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a field")
    return found.verbose_name


def _h(name: str, kind: str, **kw: Any) -> Column:
    return Column(name, _model_header(Household, name), kind, field=name, **kw)


def _m(name: str, kind: str, **kw: Any) -> Column:
    return Column(name, _model_header(Member, name), kind, field=name, **kw)


def _i(name: str, kind: str, **kw: Any) -> Column:
    return Column(name, _model_header(IncomeRecord, name), kind, field=name, **kw)


HOUSEHOLD_NUMBER = Column(
    "household_number", _("household number"), TEXT, field="number", required=True, width=18
)

HOUSEHOLDS = Sheet(
    "households",
    _("Household information"),
    Household,
    (
        HOUSEHOLD_NUMBER,
        Column("village_code", _("village code"), DIVISION, field="village_id", required=True),
        Column("township_name", _("township"), INFO),
        Column("village_name", _("village name"), INFO),
        _h("group_name", TEXT),
        _h("address", TEXT, width=24),
        Column("household_size", _("household size"), INT, low=0, high=50),
        _h("category", CODE, choices=c.HouseholdCategory, required=True),
        _h("standard", CODE, choices=c.IdentificationStandard, required=True),
        _h("main_cause", CODE, choices=c.PovertyCause, required=True),
        _h("other_causes", CODES, choices=c.PovertyCause),
        # Status, status year and monitoring type belong to the procedures: a new household
        # starts as a candidate of this year, an existing one keeps its values (importer
        # `procedure_cells`). Only an initial load (--initial-load) takes them as given.
        _h("status", CODE, choices=c.HouseholdStatus),
        _h("status_year", INT, low=2013, high=2100),
        _h("monitoring_type", CODE, choices=c.MonitoringType),
        _h("housing_safe", BOOL, required=True),
        _h("danger_grade", CODE, choices=c.DangerGrade),
        _h("renovation_year", INT, low=1949, high=2100),
        _h("housing_area", MONEY),
        _h("water_safe", BOOL, required=True),
        _h("water_difficult", BOOL),
        _h("power_living", BOOL),
        _h("power_production", BOOL),
        _h("has_tv_radio", BOOL),
        _h("road_type", CODE, choices=c.RoadType),
        _h("distance_to_road_km", MONEY),
        _h("has_toilet", BOOL),
        _h("fuel_type", CODE, choices=c.FuelType),
        _h("relocated", BOOL),
        _h("farmland_mu", MONEY),
        _h("irrigated_mu", MONEY),
        _h("forest_mu", MONEY),
        _h("returned_farmland_mu", MONEY),
        _h("fruit_mu", MONEY),
        _h("pasture_mu", MONEY),
        _h("water_surface_mu", MONEY),
        _h("in_cooperative", BOOL),
        _h("led_by_enterprise", BOOL),
        _h("phone", TEXT),
        _h("bank_name", TEXT),
        _h("bank_account", TEXT, width=22),
    ),
)

MEMBERS = Sheet(
    "members",
    _("Member information"),
    Member,
    (
        HOUSEHOLD_NUMBER,
        _m("id_number", ID_NUMBER, required=True, width=20),
        _m("name", TEXT, required=True),
        _m("sex", CODE, choices=c.Sex),
        _m("birth_date", DATE),
        _m("ethnicity", CODE, choices=c.Ethnicity),
        _m("relation", CODE, choices=c.Relation, required=True),
        _m("education", CODE, choices=c.Education),
        _m("school_status", CODE, choices=c.SchoolStatus),
        _m("health", CODE, choices=c.Health, required=True),
        _m("disability_grade", CODE, choices=c.DisabilityGrade),
        _m("labour", CODE, choices=c.LabourCapacity, required=True),
        _m("migrant_place", CODE, choices=c.MigrantPlace),
        _m("migrant_months", INT, low=0, high=12),
        _m("insured_medical", BOOL),
        _m("insured_serious_illness", BOOL),
        _m("insured_pension", BOOL),
        _m("phone", TEXT),
    ),
)

INCOMES = Sheet(
    "incomes",
    _("Yearly income information"),
    IncomeRecord,
    (
        HOUSEHOLD_NUMBER,
        _i("year", INT, required=True, low=2013, high=2100),
        _i("household_size", INT, required=True, low=1, high=50),
        *(_i(name, MONEY) for name in IncomeRecord.INCOME_FIELDS),
        _i("production_expenses", MONEY),
        Column("net_per_capita", _("net income per person"), INFO),
    ),
)

SHEETS: tuple[Sheet, ...] = (HOUSEHOLDS, MEMBERS, INCOMES)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}
