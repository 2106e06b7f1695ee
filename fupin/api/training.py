"""GET /training/courses and /training/attendances: the training ledger in the user's
area (read only: written through the pages and the workbook import, under the services'
rules), keyset paged like the households. The person's ID number is masked."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from fupin.api.auth import current_user
from fupin.api.queries import keyset
from fupin.api.schemas import MAX_ID, IdPageQuery
from fupin.core.masking import mask_id_number
from fupin.core.scope import code_range
from fupin.geo.codes import significant_prefix
from fupin.training import selectors

router = Router(tags=["training"])
AREA = Field("", pattern=r"^\d{0,12}$", description="Division code or code prefix.")


class CourseQuery(IdPageQuery):
    area: str = AREA
    kind: str = Field("", description="vocational, farming, business, order")
    year: int | None = Field(None, ge=1900, le=2200, description="Courses starting in this year.")


class CourseOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    skill: str
    organiser: str
    area: str = Field(description="The division the course is held for.")
    place: str
    starts_on: dt.date
    ends_on: dt.date
    hours: int


class CoursePage(Schema):
    items: list[CourseOut]
    next_after: int | None


@router.get("/training/courses", response=CoursePage, summary="Training courses in your area")
def course_list(request, filters: Query[CourseQuery]):
    qs = selectors.courses(current_user(request))
    if filters.area:
        qs = qs.filter(division__code__range=code_range(significant_prefix(filters.area)))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.year:
        qs = qs.filter(starts_on__year=filters.year)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": c.pk,
            "code": c.code,
            "name": c.name,
            "kind": c.kind,
            "skill": c.skill,
            "organiser": c.organiser,
            "area": c.division_id,
            "place": c.place,
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "hours": c.hours,
        }
        for c in page.items
    ]
    return {"items": items, "next_after": page.next_after}


class AttendanceQuery(IdPageQuery):
    area: str = AREA
    course: str = Field("", max_length=40, description="Course number.")
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")


class AttendanceOut(Schema):
    id: int
    course: str = Field(description="Course number.")
    household: int
    village: str
    name: str
    id_number: str = Field(description="masked")
    result: str
    skill_learnt: str
    certificate_kind: str
    certificate_number: str
    certificate_issued_on: dt.date | None


class AttendancePage(Schema):
    items: list[AttendanceOut]
    next_after: int | None


@router.get(
    "/training/attendances",
    response=AttendancePage,
    summary="Training attendances of the households in your area",
)
def attendance_list(request, filters: Query[AttendanceQuery]):
    qs = selectors.attendances(current_user(request)).select_related("member", "course")
    if filters.area:
        qs = qs.filter(village__code__range=code_range(significant_prefix(filters.area)))
    if filters.course:
        qs = qs.filter(course__code=filters.course)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": a.pk,
            "course": a.course.code,
            "household": a.household_id,
            "village": a.village_id,
            "name": a.member.name if a.member else "",
            "id_number": mask_id_number(a.member.id_number) if a.member else "",
            "result": a.result,
            "skill_learnt": a.skill_learnt,
            "certificate_kind": a.certificate_kind,
            "certificate_number": a.certificate_number,
            "certificate_issued_on": a.certificate_issued_on,
        }
        for a in page.items
    ]
    return {"items": items, "next_after": page.next_after}
