"""Request and response schemas. Coded fields carry the code; `labels` gives each
code's label in the request language (Accept-Language). Sensitive fields are masked
by `pii_value` unless the endpoint allowed a logged reveal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, ModelSchema, Schema
from pydantic import ConfigDict

from fupin.api import queries
from fupin.api.pii import birth_date_value, pii_value
from fupin.geo.models import Division, VillageProfile
from fupin.registry import choices as c
from fupin.registry.models import Assessment, Attachment, Household, IncomeRecord, Member
from fupin.registry.services import ASSESSMENT_FIELDS, HOUSEHOLD_FIELDS, MEMBER_FIELDS

MAX_LIMIT = 200


def labels_of(obj, fields: tuple[str, ...]) -> dict[str, str]:
    """{field: label} of the coded fields that have a value, in the active language."""
    out = {}
    for name in fields:
        if getattr(obj, name) not in (None, ""):
            out[name] = str(getattr(obj, f"get_{name}_display")())
    return out


def code_field(list_name: str, default: Any = ..., description: str = "") -> Any:
    """A code from /codes/{list_name}; validated by the registry services."""
    return Field(
        default,
        description=f"{description} A code of the list /codes/{list_name}.".strip(),
        json_schema_extra={"enum": list(c.CODE_LISTS[list_name].values)},
    )


# The largest id a database key holds (a 64-bit signed integer, SQLite's and PostgreSQL's
# bigint): an id filter beyond it is refused (422), not sent to the database.
MAX_ID = 2**63 - 1


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- common


class IdPageQuery(Schema):
    """Keyset paging of lists ordered by id: pass a page's next_after as `after`."""

    after: int | None = Field(None, ge=0, le=MAX_ID, description="Cursor: the last id seen.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


class Error(Schema):
    code: str = Field(..., examples=["not_found"])
    message: str
    errors: dict[str, list[str]] | None = None


class CodeItem(Schema):
    code: str
    label: str


class CodeList(Schema):
    name: str
    items: list[CodeItem]


# ---------------------------------------------------------------- divisions


class DivisionOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    parent_code: str | None = Field(None, alias="parent_id")

    @staticmethod
    def resolve_level_label(obj) -> str:
        return str(obj.get_level_display())


class VillageProfileOut(ModelSchema):
    class Meta:
        model = VillageProfile
        exclude = ["village"]


class DivisionDetailOut(DivisionOut):
    path: list[DivisionOut] = Field(
        default_factory=list, description="Ancestors from the top down, within the user's area."
    )
    profile: VillageProfileOut | None = None

    @staticmethod
    def resolve_profile(obj):
        return getattr(obj, "profile", None) if obj.is_village else None

    @staticmethod
    def resolve_path(obj: Division, context: dict[str, Any]) -> list[Division]:
        return queries.division_path(user=context["request"].auth, division=obj)


class DivisionPage(Schema):
    items: list[DivisionOut]
    next_after: str | None


class DivisionQuery(Schema):
    parent: str | None = Field(None, pattern=r"^\d{12}$", description="Parent division code.")
    level: int | None = Field(None, ge=1, le=5, description="1 province … 5 village.")
    after: str | None = Field(None, pattern=r"^\d{12}$", description="Cursor: last code seen.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


# ---------------------------------------------------------------- members

MEMBER_CODED = (
    "sex",
    "ethnicity",
    "relation",
    "education",
    "school_status",
    "health",
    "disability_grade",
    "labour",
    "migrant_place",
)


class MemberOut(ModelSchema):
    household_id: int
    household_number: str
    id_number: str = Field(..., description="Masked unless revealed.")
    phone: str = Field(..., description="Masked unless revealed.")
    birth_date: str = Field(
        ...,
        description="YYYY-MM-DD for roles that may reveal; the year only (YYYY) for others "
        "(with the area and the last four digits a full date would rebuild the ID number).",
    )
    labels: dict[str, str]

    class Meta:
        model = Member
        fields = ["id", *MEMBER_FIELDS, "is_active", "left_on", "created_at", "updated_at"]

    @staticmethod
    def resolve_household_number(obj) -> str:
        return obj.household.number

    @staticmethod
    def resolve_id_number(obj, context) -> str:
        return pii_value(context, obj, "id_number")

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return pii_value(context, obj, "phone")

    @staticmethod
    def resolve_birth_date(obj, context) -> str:
        return birth_date_value(context, obj)

    @staticmethod
    def resolve_labels(obj) -> dict[str, str]:
        return labels_of(obj, MEMBER_CODED)


class MemberChangeOut(Schema):
    id: int
    kind: str
    kind_label: str
    date: dt.date
    reason: str
    target_household_id: int | None = None
    recorded_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class MemberDetailOut(MemberOut):
    changes: list[MemberChangeOut]


class MemberPage(Schema):
    items: list[MemberOut]
    next_after: int | None


class MemberQuery(IdPageQuery):
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")
    q: str = Field(
        "",
        max_length=50,
        description="Name prefix, full ID number, or ID number prefix (roles that may reveal).",
    )
    active: bool | None = Field(None, description="Only current (true) or former (false).")


class MemberFields(Strict):
    """Fields of the registration form for a person; validated by the services."""

    id_number: str | None = Field(None, max_length=30)
    name: str | None = Field(None, max_length=50)
    sex: str | None = code_field("sex", None, description="Defaults to the ID number's.")
    birth_date: dt.date | None = Field(None, description="Defaults to the ID number's.")
    ethnicity: str | None = code_field("ethnicity", None)
    relation: str | None = code_field("relation", None)
    education: str | None = code_field("education", None)
    school_status: str | None = code_field("school_status", None)
    health: str | None = code_field("health", None)
    disability_grade: int | None = code_field("disability_grade", None)
    labour: str | None = code_field("labour_capacity", None)
    migrant_place: str | None = code_field("migrant_place", None)
    migrant_months: int | None = Field(None, ge=0, le=12)
    insured_medical: bool | None = None
    insured_serious_illness: bool | None = None
    insured_pension: bool | None = None
    phone: str | None = Field(None, max_length=20)
    reason: str = Field("", description="Why: kept in the history.")

    def data(self) -> dict[str, Any]:
        """The fields the client sent (not the defaults), without `reason` & co."""
        sent = self.model_dump(exclude_unset=True)
        out = {k: v for k, v in sent.items() if k in MEMBER_FIELDS}
        # Blank choice fields are stored as "" (the form's "not filled").
        for k in ("education", "school_status", "migrant_place", "phone"):
            if k in out and out[k] is None:
                out[k] = ""
        return out


class MemberCreate(MemberFields):
    id_number: str = Field(..., max_length=30)
    name: str = Field(..., max_length=50)
    relation: str = code_field("relation")
    labour: str = code_field("labour_capacity")
    kind: str = code_field(
        "member_change_kind", c.MemberChangeKind.MISSING_ADDED.value, description="How they joined."
    )
    date: dt.date | None = Field(None, description="Date of the change; today if left out.")


class MemberUpdate(MemberFields):
    pass


assert set(MemberFields.model_fields) - {"reason"} == set(MEMBER_FIELDS), "member fields drifted"


# ---------------------------------------------------------------- households

HOUSEHOLD_CODED = (
    "category",
    "standard",
    "main_cause",
    "status",
    "monitoring_type",
    "danger_grade",
    "road_type",
    "fuel_type",
)


class HeadOut(Schema):
    id: int
    name: str
    id_number: str = Field(..., description="Masked.")

    @staticmethod
    def resolve_id_number(obj, context) -> str:
        return pii_value(context, obj, "id_number")


class HouseholdListItem(Schema):
    id: int
    number: str
    village_code: str = Field(..., alias="village_id")
    village_name: str = Field(..., alias="village.name")
    township_name: str
    group_name: str
    category: str
    main_cause: str
    status: str
    status_year: int
    monitoring_type: str
    phone: str = Field(..., description="Masked.")
    bank_account: str = Field(..., description="Masked.")
    head: HeadOut | None = None
    labels: dict[str, str]

    @staticmethod
    def resolve_township_name(obj) -> str:
        parent = obj.village.parent
        return parent.name if parent else ""

    @staticmethod
    def resolve_head(obj):
        return getattr(obj, "head", None)

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return pii_value(context, obj, "phone")

    @staticmethod
    def resolve_bank_account(obj, context) -> str:
        return pii_value(context, obj, "bank_account")

    @staticmethod
    def resolve_labels(obj) -> dict[str, str]:
        return labels_of(obj, HOUSEHOLD_CODED)


class HouseholdPage(Schema):
    items: list[HouseholdListItem]
    next_after: int | None


class HouseholdQuery(IdPageQuery):
    area: str = Field("", pattern=r"^\d{0,12}$", description="Division code or code prefix.")
    status: str = code_field("household_status", "")
    category: str = code_field("household_category", "")
    cause: str = code_field("poverty_cause", "", description="Main poverty cause.")
    monitoring_type: str = code_field("monitoring_type", "")
    q: str = Field("", max_length=50, description="Name, ID number or household number.")


class IncomeOut(ModelSchema):
    total_income: Decimal
    net_income: Decimal
    net_income_per_capita: Decimal

    class Meta:
        model = IncomeRecord
        exclude = ["household"]


class AssessmentOut(ModelSchema):
    all_met: bool
    unmet: list[str]

    class Meta:
        model = Assessment
        fields = ["id", "year", *ASSESSMENT_FIELDS]


class AttachmentOut(ModelSchema):
    class Meta:
        model = Attachment
        fields = ["id", "kind", "title", "content_type", "size", "uploaded_at"]


class HouseholdDetailOut(ModelSchema):
    village_code: str = Field(..., alias="village_id")
    village_name: str = Field(..., alias="village.name")
    township_name: str
    other_causes: list[str]
    phone: str = Field(..., description="Masked unless revealed.")
    bank_account: str = Field(..., description="Masked unless revealed.")
    labels: dict[str, str]
    members: list[MemberOut]
    incomes: list[IncomeOut]
    assessments: list[AssessmentOut]
    attachments: list[AttachmentOut]

    class Meta:
        model = Household
        fields = ["id", "number", *HOUSEHOLD_FIELDS, "created_at", "updated_at"]

    resolve_township_name = staticmethod(HouseholdListItem.resolve_township_name)
    resolve_phone = staticmethod(HouseholdListItem.resolve_phone)
    resolve_bank_account = staticmethod(HouseholdListItem.resolve_bank_account)
    resolve_labels = staticmethod(HouseholdListItem.resolve_labels)


# Text fields stored as "" when empty: a JSON null clears them.
HOUSEHOLD_BLANKABLE = (
    "group_name",
    "address",
    "monitoring_type",
    "danger_grade",
    "road_type",
    "fuel_type",
    "phone",
    "bank_name",
    "bank_account",
)


class HouseholdFields(Strict):
    """Fields of the registration form for a household; validated by the services."""

    group_name: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=200)
    category: str | None = code_field("household_category", None)
    standard: str | None = code_field("identification_standard", None)
    main_cause: str | None = code_field("poverty_cause", None)
    other_causes: list[str] | None = Field(None, max_length=2)
    # Status, status year and monitoring type belong to the procedures (cases, the end of
    # a monitoring): a new household starts as a candidate of this year, and a request that
    # would set or change them otherwise is answered 422 naming the procedure to start.
    status: str | None = code_field(
        "household_status",
        None,
        description="Read only in effect: changes only through a case. A new household "
        "is a candidate (待识别); sending another value is refused (422).",
    )
    status_year: int | None = Field(
        None, description="Set by the case that decides the status; only its value may be sent."
    )
    monitoring_type: str | None = code_field(
        "monitoring_type",
        None,
        description="Set by the monitoring case; only its current value may be sent.",
    )
    housing_safe: bool | None = None
    danger_grade: str | None = code_field("danger_grade", None)
    renovation_year: int | None = None
    housing_area: Decimal | None = None
    water_safe: bool | None = None
    water_difficult: bool | None = None
    power_living: bool | None = None
    power_production: bool | None = None
    has_tv_radio: bool | None = None
    road_type: str | None = code_field("road_type", None)
    distance_to_road_km: Decimal | None = None
    has_toilet: bool | None = None
    fuel_type: str | None = code_field("fuel_type", None)
    relocated: bool | None = None
    farmland_mu: Decimal | None = None
    irrigated_mu: Decimal | None = None
    forest_mu: Decimal | None = None
    returned_farmland_mu: Decimal | None = None
    fruit_mu: Decimal | None = None
    pasture_mu: Decimal | None = None
    water_surface_mu: Decimal | None = None
    in_cooperative: bool | None = None
    led_by_enterprise: bool | None = None
    phone: str | None = Field(None, max_length=20)
    bank_name: str | None = Field(None, max_length=60)
    bank_account: str | None = Field(None, max_length=32)
    reason: str = Field("", description="Why: kept in the history.")

    def data(self) -> dict[str, Any]:
        sent = self.model_dump(exclude_unset=True)
        out = {k: v for k, v in sent.items() if k in HOUSEHOLD_FIELDS}
        for k in HOUSEHOLD_BLANKABLE:
            if k in out and out[k] is None:
                out[k] = ""
        if "other_causes" in out and out["other_causes"] is None:
            out["other_causes"] = []
        return out


class HouseholdCreate(HouseholdFields):
    village: str = Field(..., pattern=r"^\d{12}$", description="Village division code.")
    number: str | None = Field(
        None, max_length=20, description="Household number; generated if left out."
    )
    main_cause: str = code_field("poverty_cause")

    def data(self) -> dict[str, Any]:
        out = super().data()
        if self.number:
            out["number"] = self.number
        return out


class HouseholdUpdate(HouseholdFields):
    village: str | None = Field(
        None, pattern=r"^\d{12}$", description="Move to another village in your area."
    )

    def data(self) -> dict[str, Any]:
        out = super().data()
        if self.village:
            out["village"] = self.village
        return out


assert set(HouseholdFields.model_fields) - {"reason"} == set(HOUSEHOLD_FIELDS), (
    "household fields drifted"
)
