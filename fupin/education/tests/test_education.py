"""The education-aid ledger: benefits and who may receive them, dropout cases opened by
staff and closed by the township or county (four eyes), the child's school status
following, the findings of rule Q06 showing the case; pages scoped and masked, the
household page's panel, the API, rows following their household."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from conftest import NEIGHBOUR, give_status
from fupin.accounts.authority import FourEyes
from fupin.core.errors import AlreadyDecided, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.core.models import ChangeRecord
from fupin.education import rules, selectors, services
from fupin.education.models import DropoutCase, DropoutStatus, StudentAid
from fupin.education.tests.conftest import PAID, TODAY, aid_data
from fupin.registry import choices as c
from fupin.registry.models import Member


def record(users, household, student, who="village", **over):
    return services.aid_record(
        actor=users[who], household=household, student=student, data=aid_data(**over), today=TODAY
    )


def open_case(users, household, child, who="village", **over):
    data = {"opened_on": dt.date(2025, 3, 3), "cause": "weary", "school": "沱江镇中学"}
    data.update(over)
    return services.dropout_open(
        actor=users[who], household=household, child=child, data=data, today=TODAY
    )


# ------------------------------------------------------------------ benefits


def test_a_benefit_is_recorded_with_its_history_under_the_household(users, household, pupil):
    aid = record(users, household, pupil)
    assert (aid.village_id, aid.member_id, aid.amount) == (household.village_id, pupil.pk, 625)
    rec = ChangeRecord.objects.get(object_type="education.studentaid", object_id=str(aid.pk))
    assert rec.action == "create" and rec.related_id == str(household.pk)
    assert rec.user_name == "village" and "village_id" not in rec.post_data
    assert rec in history_of(household)


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"kind": "rainbow_plan"}, "stage"),  # 雨露计划 is not for a junior pupil
        ({"kind": "grant"}, "stage"),  # a compulsory-school pupil gets 两免一补
        ({"paid_on": dt.date(2023, 12, 31)}, "paid_on"),  # before school year 2024's window
        ({"paid_on": dt.date(2025, 7, 1)}, "paid_on"),  # after today
        ({"amount": "0"}, "amount"),
    ],
)
def test_refusals_name_the_field(users, household, pupil, over, field):
    with pytest.raises(ValidationFailed) as exc:
        record(users, household, pupil, **over)
    assert field in exc.value.errors
    assert not StudentAid.objects.exists()


def test_only_households_due_assistance_on_the_day_paid(users, household, pupil):
    """Exited in 2016 (no exit case: dated 31 December 2016): the five-year transition
    period ended on 31 December 2021; exited in 2022: still due in 2024."""
    give_status(household, c.HouseholdStatus.EXITED, 2016)
    with pytest.raises(ValidationFailed) as exc:
        record(users, household, pupil)
    assert exc.value.errors == {"household": [rules.not_due_reason()]}
    give_status(household, c.HouseholdStatus.EXITED, 2022)
    assert record(users, household, pupil).pk
    give_status(household, c.HouseholdStatus.REMOVED, 2022)
    with pytest.raises(ValidationFailed):
        record(users, household, pupil, term="spring", paid_on=dt.date(2025, 4, 1))


def test_one_benefit_per_kind_school_year_and_term(users, household, pupil):
    record(users, household, pupil)
    with pytest.raises(ValidationFailed) as exc:
        record(users, household, pupil, amount="600")
    assert "term" in exc.value.errors
    assert record(users, household, pupil, term="spring", paid_on=dt.date(2025, 4, 1)).pk


def test_the_student_must_be_a_current_member(users, household, neighbour_household, pupil):
    other = neighbour_household.members.get()
    with pytest.raises(ValidationFailed) as exc:
        record(users, household, other)
    assert "student" in exc.value.errors


def test_scope_and_role(users, household, pupil):
    with pytest.raises(OutsideArea):
        record(users, household, pupil, who="neighbour")
    with pytest.raises(NotAllowed):
        record(users, household, pupil, who="department")
    assert record(users, household, pupil, who="county").pk


# ------------------------------------------------------------------ dropout cases


def test_a_dropout_case_for_a_child_of_school_age_one_open_at_a_time(
    users, household, child_out_of_school
):
    head = household.members.get(relation="head")
    with pytest.raises(ValidationFailed) as exc:
        open_case(users, household, head)
    assert exc.value.errors["member"] == [rules.school_age_reason()]
    case = open_case(users, household, child_out_of_school)
    assert case.status == DropoutStatus.OPEN and case.opened_by == users["village"]
    with pytest.raises(ValidationFailed) as exc:
        open_case(users, household, child_out_of_school, opened_on=dt.date(2025, 4, 1))
    assert exc.value.errors["member"] == [rules.open_case_reason()]
    assert {r.object_type for r in history_of(household)} >= {"education.dropoutcase"}


def test_closing_is_the_township_or_countys_and_never_the_openers(
    users, household, child_out_of_school
):
    case = open_case(users, household, child_out_of_school, who="township")

    def close(who, **kw):
        args = {"outcome": DropoutStatus.RETURNED, "closed_on": TODAY, "returned_stage": "junior"}
        args.update(kw)
        return services.dropout_close(actor=users[who], case=case, today=TODAY, **args)

    with pytest.raises(FourEyes) as exc:  # the township opened it
        close("township")
    assert "您登记了该辍学案件" in str(exc.value.message)
    with pytest.raises(NotAllowed):  # village staff may not close
        close("village")
    with pytest.raises(OutsideArea):
        close("other_county")
    closed = close("county")
    assert (closed.status, closed.closed_on, closed.closed_by) == (
        "returned",
        TODAY,
        users["county"],
    )
    with pytest.raises(AlreadyDecided):
        close("county")


def test_back_in_school_the_registry_follows_and_q06_no_longer_finds_the_child(
    users, household, child_out_of_school
):
    from fupin.quality.selectors import check_area

    def q06_members():
        report = check_area("431129")
        found = report.violations.filter(report.violations["rule"] == "Q06")
        return set(found["member_id"].to_list())

    assert child_out_of_school.pk in q06_members()
    case = open_case(users, household, child_out_of_school)
    services.dropout_close(
        actor=users["township"],
        case=case,
        outcome=DropoutStatus.RETURNED,
        closed_on=TODAY,
        returned_stage="junior",
        today=TODAY,
    )
    child = Member.objects.get(pk=child_out_of_school.pk)
    assert (child.school_status, child.education) == ("junior", "")
    assert child.pk not in q06_members()
    member_records = ChangeRecord.objects.filter(
        object_type="registry.member", object_id=str(child.pk), user_name="township"
    )
    assert member_records.count() == 1
    assert member_records.get().changes["school_status"] == ["", "junior"]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"outcome": DropoutStatus.RETURNED}, "returned_stage"),
        ({"outcome": DropoutStatus.CLOSED}, "note"),
        ({"outcome": DropoutStatus.HOME, "returned_stage": "primary"}, "returned_stage"),
        ({"outcome": DropoutStatus.HOME, "closed_on": dt.date(2025, 3, 2)}, "closed_on"),
        ({"outcome": DropoutStatus.OPEN}, "outcome"),
    ],
)
def test_closing_refusals(users, household, child_out_of_school, kw, field):
    case = open_case(users, household, child_out_of_school)
    args = {"closed_on": TODAY, **kw}
    with pytest.raises(ValidationFailed) as exc:
        services.dropout_close(actor=users["county"], case=case, today=TODAY, **args)
    assert field in exc.value.errors
    case.refresh_from_db()
    assert case.status == DropoutStatus.OPEN


def test_taught_at_home_leaves_the_registry_as_it_is(users, household, child_out_of_school):
    case = open_case(users, household, child_out_of_school)
    services.dropout_close(
        actor=users["county"], case=case, outcome=DropoutStatus.HOME, closed_on=TODAY, today=TODAY
    )
    assert Member.objects.get(pk=child_out_of_school.pk).school_status == ""


def test_the_q06_finding_shows_the_dropout_case(client, users, household, child_out_of_school):
    from fupin.quality.selectors import overview, village_report

    case = open_case(users, household, child_out_of_school)
    report = village_report(user=users["village"], code=household.village_id)
    [finding] = [v for v in report.violations if v.rule.code == "Q06"]
    [link] = finding.links
    assert link.open and link.url == reverse("education:dropout_detail", args=[case.pk])
    counts = {rule.code: followed for rule, _n, followed in overview(user=users["county"]).counts}
    assert counts["Q06"] == 1 and counts["Q04"] is None
    client.force_login(users["village"])
    page = client.get(reverse("quality:village", args=[household.village_id])).content.decode()
    assert link.url in page and "辍学" in page
    # Another county's user does not read the case: no link, even for the same child.
    assert selectors.dropout_links(users["other_county"], [child_out_of_school.pk]) == {}


# ------------------------------------------------------------------ pages, panel, API


def test_pages_are_scoped_and_mask_the_id(client, users, household, pupil, child_out_of_school):
    aid = record(users, household, pupil)
    case = open_case(users, household, child_out_of_school)
    client.force_login(users["village"])
    for url, idn in [
        (reverse("education:aid_detail", args=[aid.pk]), pupil.id_number),
        (reverse("education:dropout_detail", args=[case.pk]), child_out_of_school.id_number),
    ]:
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert idn not in html and idn[-4:] in html
    assert pupil.name in client.get(reverse("education:aid_list")).content.decode()
    assert (
        child_out_of_school.name in client.get(reverse("education:dropout_list")).content.decode()
    )
    client.force_login(users["neighbour"])
    assert client.get(reverse("education:aid_detail", args=[aid.pk])).status_code == 404
    assert client.get(reverse("education:dropout_detail", args=[case.pk])).status_code == 404
    assert pupil.name not in client.get(reverse("education:aid_list")).content.decode()


def test_forms_record_and_close_on_the_pages(client, users, household, pupil, child_out_of_school):
    client.force_login(users["village"])
    url = reverse("education:aid_new", args=[household.pk])
    post = {**aid_data(paid_on="2024-10-15", amount="625"), "student": pupil.pk}
    post["paid_on"] = "2024-10-15"
    response = client.post(url, post)
    assert response.status_code == 302, response.content.decode()[:2000]
    bad = client.post(url, {**post, "kind": "rainbow_plan", "term": "spring"})
    assert bad.status_code == 422 and "雨露计划" in bad.content.decode()
    response = client.post(
        reverse("education:dropout_new", args=[household.pk]),
        {"child": child_out_of_school.pk, "opened_on": "2025-03-03", "cause": "weary"},
    )
    case = DropoutCase.objects.get()
    assert response.status_code == 302
    detail = reverse("education:dropout_detail", args=[case.pk])
    close = {"action": "close", "outcome": "home", "closed_on": "2025-06-01"}
    assert client.post(detail, close).status_code == 403  # village staff may not close
    client.force_login(users["county"])
    assert client.post(detail, {"action": "close"}).status_code == 422
    assert client.post(detail, close).status_code == 302
    case.refresh_from_db()
    assert case.status == "home"


def test_the_export_needs_the_area_export_capability(client, users, household, pupil):
    record(users, household, pupil)
    client.force_login(users["cadre"])
    assert client.get(reverse("education:export")).status_code == 403
    client.force_login(users["department"])
    response = client.get(reverse("education:export"))
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"


def test_household_page_shows_the_panel_and_offers_the_forms(client, users, household, pupil):
    page = reverse("household_detail", args=[household.pk])
    new = reverse("education:aid_new", args=[household.pk])
    client.force_login(users["village"])
    html = client.get(page).content.decode()
    assert new in html and "household-ledgers" in html
    record(users, household, pupil)
    html = client.get(page).content.decode()
    assert "沱江镇中学" in html
    client.force_login(users["department"])
    html = client.get(page).content.decode()
    assert "沱江镇中学" in html and new not in html


def test_the_panel_reads_nothing_for_a_household_without_rows(
    users, household, django_assert_num_queries
):
    from fupin.programmes.ledgers import household_panels
    from fupin.registry import panels
    from fupin.registry.selectors import household_get

    h = household_get(user=users["village"], pk=household.pk, rows=False, flags=panels.flags())
    with django_assert_num_queries(0):
        out = household_panels(users["village"], h)
    [panel] = [p for p in out if p.ledger.key == "education"]
    assert not panel.rows
    assert [str(a.label) for a in panel.actions] == [
        str(selectors.NEW_AID),
        str(selectors.NEW_DROPOUT),
    ]


def test_api_lists_benefits_and_cases_scoped_and_masked(
    client, users, household, pupil, child_out_of_school
):
    aid = record(users, household, pupil)
    case = open_case(users, household, child_out_of_school)
    client.force_login(users["village"])
    body = client.get("/api/v1/education/aids").json()
    assert [i["id"] for i in body["items"]] == [aid.pk]
    shown = body["items"][0]["student_id_number"]
    assert shown != pupil.id_number and "*" in shown and shown.endswith(pupil.id_number[-4:])
    cases = client.get("/api/v1/education/dropouts", {"status": "open"}).json()
    assert [i["id"] for i in cases["items"]] == [case.pk]
    client.force_login(users["neighbour"])
    assert client.get("/api/v1/education/aids").json()["items"] == []
    assert client.get("/api/v1/education/dropouts").json()["items"] == []


def test_rows_follow_their_household(users, household, pupil):
    from fupin.registry.hooks import households_moved
    from fupin.registry.models import Household

    aid = record(users, household, pupil)
    Household.objects.filter(pk=household.pk).update(village_id=NEIGHBOUR)
    households_moved([household.pk])
    assert StudentAid.objects.get(pk=aid.pk).village_id == NEIGHBOUR


def test_lists_page_by_keyset(users, household, pupil):
    from fupin.programmes.paging import keyset_page

    rows = [
        record(users, household, pupil, term=t, school_year=y, paid_on=d)
        for y, t, d in [
            (2023, "autumn", dt.date(2023, 10, 1)),
            (2023, "spring", dt.date(2024, 4, 1)),
            (2024, "autumn", PAID),
        ]
    ]
    qs = selectors.aids(users["village"])
    first = keyset_page(qs, order="paid_on", page_size=2)
    assert [r.pk for r in first.rows] == [rows[2].pk, rows[1].pk] and first.newer is None
    second = keyset_page(qs, order="paid_on", older=first.older, page_size=2)
    assert [r.pk for r in second.rows] == [rows[0].pk] and second.older is None
    back = keyset_page(qs, order="paid_on", newer=second.newer, page_size=2)
    assert [r.pk for r in back.rows] == [rows[2].pk, rows[1].pk]


def test_main_navigation_links_to_the_ledger(client, users):
    client.force_login(users["cadre"])
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'href="{reverse("education:aid_list")}"' in html
    assert "教育资助</a>" in html
