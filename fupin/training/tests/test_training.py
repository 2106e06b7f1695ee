"""The training ledger: courses and attendances through the services (who, where, the
attendance and certificate rules on their boundaries, history), the row and column
forms of a person's state agreeing, and the pages (scope, masking, keyset paging, the
household page's panel, the forms)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import NEIGHBOUR, VILLAGE, give_status, make_id, member_data
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.programmes.paging import keyset_page
from fupin.registry import choices as c
from fupin.registry import services as registry
from fupin.training import rules, selectors, services
from fupin.training.models import Attendance, Course

D = dt.date(2024, 3, 1)
TODAY = dt.date(2024, 6, 1)


def course_data(**over):
    data = {
        "code": "PX-001",
        "name": "油茶种植培训班",
        "kind": "farming",
        "skill": "油茶种植",
        "organiser": "县农业农村局",
        "division_id": VILLAGE,
        "place": "村部",
        "starts_on": D,
        "ends_on": D + dt.timedelta(days=4),
        "hours": 40,
    }
    data.update(over)
    return data


@pytest.fixture
def course(users):
    return services.course_create(actor=users["village"], data=course_data())


def attend(users, course, household, member=None, today=TODAY, **data):
    return services.attendance_record(
        actor=users["village"],
        course=course,
        household=household,
        member=member or household.members.get(),
        data=data,
        today=today,
    )


# ------------------------------------------------------------------ courses


def test_a_course_is_recorded_with_its_history(course):
    assert course.division_id == VILLAGE and course.created_by.username == "village"
    record = history_of(course).get()
    assert record.action == "create" and record.area_code == VILLAGE


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"ends_on": D - dt.timedelta(days=1)}, "ends_on"),
        ({"hours": 0}, "hours"),
        ({"hours": rules.MAX_HOURS + 1}, "hours"),
        ({"kind": "yoga"}, "kind"),
        ({"name": ""}, "name"),
    ],
)
def test_a_course_with_wrong_details_is_refused(users, over, field):
    with pytest.raises(ValidationFailed) as exc:
        services.course_create(actor=users["village"], data=course_data(**over))
    assert field in exc.value.errors
    assert not Course.objects.exists()


def test_a_course_ending_on_its_first_day_is_right(users):
    assert services.course_create(actor=users["village"], data=course_data(ends_on=D)).pk


def test_a_course_number_is_taken_once(users, course):
    with pytest.raises(ValidationFailed) as exc:
        services.course_create(actor=users["township"], data=course_data(division_id=NEIGHBOUR))
    assert "code" in exc.value.errors


def test_a_course_is_held_for_an_area_of_the_user(users):
    with pytest.raises(OutsideArea):
        services.course_create(actor=users["village"], data=course_data(division_id=NEIGHBOUR))
    with pytest.raises(NotAllowed):
        services.course_create(actor=users["department"], data=course_data())
    county = services.course_create(
        actor=users["county"], data=course_data(code="PX-C", division_id="431129000000")
    )
    assert county.area_code == "431129000000"


def test_changing_a_course_is_recorded_and_keeps_its_certificates_valid(users, course, household):
    services.course_update(actor=users["village"], course=course, data=course_data(name="新名称"))
    assert history_of(course).filter(action="update").get().changes["name"][1] == "新名称"
    attend(
        users,
        course,
        household,
        certificate_kind="completion",
        certificate_number="Z1",
        certificate_issued_on=D + dt.timedelta(days=5),
    )
    later = D + dt.timedelta(days=6)
    with pytest.raises(ValidationFailed) as exc:
        services.course_update(
            actor=users["village"],
            course=course,
            data=course_data(starts_on=later, ends_on=later),
        )
    assert "starts_on" in exc.value.errors


# ------------------------------------------------------------------ attendances


def test_an_attendance_is_recorded_under_its_household(users, course, household):
    row = attend(users, course, household)
    assert (row.village_id, row.skill_learnt, row.result) == (VILLAGE, "油茶种植", "completed")
    record = history_of(household).get(object_type="training.attendance")
    assert record.related_id == str(household.pk)


@pytest.mark.parametrize(
    ("status", "year", "ok"),
    [
        (c.HouseholdStatus.POOR, 2016, True),
        (c.HouseholdStatus.MONITORED, 2022, True),
        (c.HouseholdStatus.EXITED, 2020, True),  # within the five years after exit
        (c.HouseholdStatus.EXITED, 2018, False),  # exited 2018-12-31: ended 2023-12-31
        (c.HouseholdStatus.CANDIDATE, 2024, False),
        (c.HouseholdStatus.REMOVED, 2020, False),
    ],
)
def test_only_households_due_assistance_on_the_first_day(
    users, course, household, status, year, ok
):
    give_status(household, status, year)
    if ok:
        assert attend(users, course, household).pk
    else:
        with pytest.raises(ValidationFailed) as exc:
            attend(users, course, household)
        assert "household" in exc.value.errors


@pytest.mark.parametrize(("birth", "ok"), [("20080301", True), ("20080302", False)])
def test_people_of_16_or_more_on_the_first_day(users, course, household, birth, ok):
    member = registry.member_add(
        actor=users["village"],
        household=household,
        data=member_data(id_number=make_id(birth=birth, seq="771"), name="学员", relation="son"),
    )
    if ok:
        assert attend(users, course, household, member=member).member_id == member.pk
    else:
        with pytest.raises(ValidationFailed) as exc:
            attend(users, course, household, member=member)
        assert "member" in exc.value.errors


def test_a_member_of_another_household_is_refused(users, course, household, neighbour_household):
    stranger = neighbour_household.members.get()
    with pytest.raises(ValidationFailed) as exc:
        attend(users, course, household, member=stranger)
    assert "member" in exc.value.errors


def test_a_course_not_started_is_refused(users, course, household):
    with pytest.raises(ValidationFailed) as exc:
        attend(users, course, household, today=D - dt.timedelta(days=1))
    assert "course" in exc.value.errors
    assert attend(users, course, household, today=D).pk  # its first day


def test_a_person_is_recorded_once_at_a_course(users, course, household):
    attend(users, course, household)
    with pytest.raises(ValidationFailed) as exc:
        attend(users, course, household)
    assert "member" in exc.value.errors


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"certificate_number": "Z1"}, "certificate_number"),  # no kind, no date
        (
            {
                "result": "dropped",
                "certificate_kind": "completion",
                "certificate_number": "Z1",
                "certificate_issued_on": D,
            },
            "result",
        ),
        (
            {
                "certificate_kind": "completion",
                "certificate_number": "Z1",
                "certificate_issued_on": D - dt.timedelta(days=1),
            },
            "certificate_issued_on",
        ),
        (
            {
                "certificate_kind": "completion",
                "certificate_number": "Z1",
                "certificate_issued_on": TODAY + dt.timedelta(days=1),
            },
            "certificate_issued_on",
        ),
    ],
)
def test_certificate_rules(users, course, household, data, field):
    with pytest.raises(ValidationFailed) as exc:
        attend(users, course, household, **data)
    assert field in exc.value.errors


def test_a_certificate_number_of_a_kind_is_taken_once(users, course, household):
    cert = {"certificate_kind": "special", "certificate_number": "Z9", "certificate_issued_on": D}
    attend(users, course, household, **cert)
    other = services.course_create(actor=users["village"], data=course_data(code="PX-002"))
    with pytest.raises(ValidationFailed) as exc:
        attend(users, other, household, **cert)
    assert "certificate_number" in exc.value.errors
    assert attend(users, other, household, **dict(cert, certificate_kind="completion")).pk


def test_a_certificate_issued_later_is_recorded_as_a_change(users, course, household):
    row = attend(users, course, household)
    services.attendance_update(
        actor=users["village"],
        attendance=row,
        data={
            "result": "completed",
            "certificate_kind": "skill_level",
            "certificate_number": "Z2",
            "certificate_issued_on": D + dt.timedelta(days=30),
        },
        today=TODAY,
    )
    row.refresh_from_db()
    assert row.certificate_number == "Z2"
    change = history_of(household).get(object_type="training.attendance", action="update")
    assert change.changes["certificate_number"] == ["", "Z2"]


def test_scope_of_attendances(users, household, neighbour_household):
    course = services.course_create(
        actor=users["county"], data=course_data(code="PX-C", division_id="431129000000")
    )
    # A village user does not see the county's course: only the county records at it.
    with pytest.raises(OutsideArea):
        attend(users, course, household)
    row = services.attendance_record(
        actor=users["county"],
        course=course,
        household=household,
        member=household.members.get(),
        data={},
        today=TODAY,
    )
    with pytest.raises(OutsideArea):
        services.attendance_update(actor=users["neighbour"], attendance=row, data={})
    assert list(selectors.attendances(users["village"])) == [row]
    assert list(selectors.attendances(users["neighbour"])) == []


# ------------------------------------------------------------------ rules: row and column


@settings(max_examples=200, deadline=None)
@given(
    result=st.sampled_from(["completed", "dropped"]),
    ends=st.dates(dt.date(2020, 1, 1), dt.date(2020, 3, 1)),
    issued=st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2020, 3, 1)),
    day=st.dates(dt.date(2020, 1, 1), dt.date(2020, 3, 1)),
)
def test_a_persons_state_row_and_column_forms_agree(result, ends, issued, day):
    row = rules.attendance_state(result=result, ends_on=ends, issued_on=issued, day=day)
    frame = pl.DataFrame(
        {
            "person_id": [1],
            "result": [result],
            "ends_on": [ends],
            "certificate_issued_on": [issued],
        },
        schema=rules.ATTENDANCE_SCHEMA,
    )
    out = rules.attendance_states(frame, day).row(0, named=True)
    assert (out["trained"], out["certified"]) == row


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from([*c.LabourCapacity.values, None]), min_size=1, max_size=6))
def test_labourer_row_and_column_forms_agree(values):
    column = pl.DataFrame({"labour": values}, schema={"labour": pl.String}).select(
        rules.labourer_expr(pl.col("labour"))
    )
    assert column.to_series().to_list() == [rules.is_labourer(v) for v in values]


# ------------------------------------------------------------------ pages


def test_course_pages_are_scoped(client, users, course):
    client.force_login(users["village"])
    assert client.get(reverse("training:list")).status_code == 200
    assert client.get(reverse("training:course", args=[course.pk])).status_code == 200
    client.force_login(users["neighbour"])
    assert course.code not in client.get(reverse("training:list")).content.decode()
    assert client.get(reverse("training:course", args=[course.pk])).status_code == 404


def test_the_new_course_form(client, users):
    client.force_login(users["township"])
    data = {k: str(v) for k, v in course_data(division_id=NEIGHBOUR).items()}
    response = client.post(reverse("training:new"), data)
    course = Course.objects.get()
    assert response.status_code == 302 and course.division_id == NEIGHBOUR
    bad = client.post(reverse("training:new"), dict(data, code="PX-9", ends_on="2024-01-01"))
    assert bad.status_code == 422


def test_the_attendance_form_and_the_household_panel(client, users, course, household):
    client.force_login(users["village"])
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert reverse("training:attend", args=[household.pk]) in page
    member = household.members.get()
    response = client.post(
        reverse("training:attend", args=[household.pk]),
        {"course": course.pk, "member": member.pk, "result": "completed"},
    )
    row = Attendance.objects.get()
    assert response.status_code == 302 and row.member_id == member.pk
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert reverse("training:attendance", args=[row.pk]) in page
    again = client.post(
        reverse("training:attend", args=[household.pk]),
        {"course": course.pk, "member": member.pk, "result": "completed"},
    )
    assert again.status_code == 422


def test_the_attendance_pages_mask_the_id_number(client, users, course, household):
    row = attend(users, course, household)
    id_number = household.members.get().id_number
    client.force_login(users["department"])
    for url in (
        reverse("training:attendances"),
        reverse("training:attendance", args=[row.pk]),
        reverse("training:course", args=[course.pk]),
    ):
        html = client.get(url).content.decode()
        assert id_number not in html and id_number[-4:] in html, url
    client.force_login(users["neighbour"])
    assert client.get(reverse("training:attendance", args=[row.pk])).status_code == 404


def test_the_certificate_form_on_the_attendance_page(client, users, course, household):
    row = attend(users, course, household)
    client.force_login(users["village"])
    url = reverse("training:attendance", args=[row.pk])
    data = {
        "action": "update",
        "result": "completed",
        "certificate_kind": "completion",
        "certificate_number": "Z5",
        "certificate_issued_on": "2024-03-06",
    }
    assert client.post(url, data).status_code == 302
    assert Attendance.objects.get().certificate_number == "Z5"
    assert client.post(url, dict(data, result="dropped")).status_code == 422
    client.force_login(users["department"])
    assert client.post(url, data).status_code == 403  # a department reads, never edits


def test_the_export_needs_the_export_capability(client, users, course, household):
    attend(users, course, household)
    client.force_login(users["cadre"])
    assert client.get(reverse("training:export")).status_code == 403
    client.force_login(users["village"])
    response = client.get(reverse("training:export"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_keyset_pages_cover_every_row_once_both_ways(users):
    for i in range(7):
        services.course_create(
            actor=users["village"],
            data=course_data(code=f"PX-{i}", starts_on=D + dt.timedelta(days=i % 3)),
        )
    qs = Course.objects.all()
    seen, page, pages = [], keyset_page(qs, order="starts_on", page_size=3), []
    while True:
        pages.append(page)
        seen += [r.pk for r in page.rows]
        if page.older is None:
            break
        page = keyset_page(qs, order="starts_on", older=page.older, page_size=3)
    expected = list(qs.order_by("-starts_on", "-id").values_list("pk", flat=True))
    assert seen == expected and len(pages) == 3
    back = keyset_page(qs, order="starts_on", newer=pages[-1].newer, page_size=3)
    assert [r.pk for r in back.rows] == [r.pk for r in pages[-2].rows]
    assert keyset_page(qs, order="starts_on", older=999999, page_size=3).rows == pages[0].rows


# ------------------------------------------------------------------ API, moves, the due rule


def test_api_lists_courses_and_attendances_scoped_and_masked(client, users, course, household):
    row = attend(users, course, household)
    client.force_login(users["village"])
    assert [c["code"] for c in client.get("/api/v1/training/courses").json()["items"]] == [
        course.code
    ]
    body = client.get("/api/v1/training/attendances", {"area": "431129100000"}).json()
    assert [i["id"] for i in body["items"]] == [row.pk]
    assert body["items"][0]["id_number"].startswith("*")
    client.force_login(users["neighbour"])
    assert client.get("/api/v1/training/courses").json()["items"] == []
    assert client.get("/api/v1/training/attendances").json()["items"] == []


def test_attendances_follow_their_household(users, course, household):
    from fupin.registry.hooks import households_moved
    from fupin.registry.models import Household

    row = attend(users, course, household)
    Household.objects.filter(pk=household.pk).update(village_id=NEIGHBOUR)
    households_moved([household.pk])
    assert Attendance.objects.get(pk=row.pk).village_id == NEIGHBOUR


@pytest.mark.parametrize(
    ("status", "year"),
    [
        (c.HouseholdStatus.POOR, 2016),
        (c.HouseholdStatus.EXITED, 2018),
        (c.HouseholdStatus.EXITED, 2019),
        (c.HouseholdStatus.CANDIDATE, 2024),
    ],
)
def test_the_import_s_due_book_agrees_with_the_service_s_rule(household, status, year):
    """`programmes.due.DueBook` (many households and days at once) says what
    `household_due_on` (one household, read from the database) says."""
    from fupin.programmes.due import DueBook, household_due_on

    give_status(household, status, year)
    book = DueBook([household])
    for day in (dt.date(2016, 1, 1), dt.date(2023, 12, 31), dt.date(2024, 1, 1), D):
        assert book.due(household.pk, day) is household_due_on(household, day), day
