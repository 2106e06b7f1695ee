"""The work teams through their pages and services: terms (one team at a time, a
reason to end), check-in (own or by the township, never in the future or outside the
term), leave decided by someone else, the first secretary's records, the roster's
flags, the rules' versions, the attendance by township and its workbook, and scope."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import translation

from conftest import NEIGHBOUR, VILLAGE
from fupin.assistance import services as assistance
from fupin.assistance.models import TeamMembership
from fupin.core.errors import DomainError, NotAllowed, ValidationFailed
from fupin.core.history import history_of
from fupin.teams import selectors, services
from fupin.teams.attendance import Days
from fupin.teams.models import CheckIn, Leave, QuarterlyReport
from fupin.teams.tests.conftest import START

pytestmark = pytest.mark.django_db
JUNE = dt.date(2024, 6, 3)


def terms(team):
    return {t.cadre.name: t for t in TeamMembership.objects.filter(team=team)}


def test_a_cadre_is_on_one_team_at_a_time_and_a_term_ends_with_a_reason(
    client, users, team, make_cadre
):
    member = terms(team)["队员甲"]
    other = assistance.work_team_create(
        actor=users["county"], unit="县教育局", village_code=NEIGHBOUR, members=[], started_on=START
    )
    with translation.override("en"), pytest.raises(DomainError, match="one team at a time"):
        assistance.membership_add(
            actor=users["county"], team=other, cadre=member.cadre, start_date=JUNE
        )
    client.force_login(users["village"])
    page = client.post(
        f"/teams/{team.pk}/",
        {"action": "end_term", "term": member.pk, "date": "2024-05-31", "reason": ""},
    )
    assert page.status_code == 422
    member.refresh_from_db()
    assert member.end_date is None
    page = client.post(
        f"/teams/{team.pk}/",
        {"action": "end_term", "term": member.pk, "date": "2024-05-31", "reason": "调回原单位"},
    )
    assert page.status_code == 302
    member.refresh_from_db()
    assert member.end_date == dt.date(2024, 5, 31) and member.end_reason == "调回原单位"
    assert history_of(member).filter(reason="调回原单位").exists()
    # After the term, the cadre may join the other team; overlapping days are refused.
    with pytest.raises(DomainError):
        assistance.membership_add(
            actor=users["county"], team=other, cadre=member.cadre, start_date=dt.date(2024, 5, 1)
        )
    joined = assistance.membership_add(
        actor=users["county"], team=other, cadre=member.cadre, start_date=JUNE
    )
    assert joined.unit == member.cadre.unit
    # A second first secretary at the same time is refused.
    with translation.override("en"), pytest.raises(DomainError, match="first secretary"):
        assistance.membership_add(
            actor=users["county"],
            team=team,
            cadre=make_cadre(),
            start_date=JUNE,
            is_first_secretary=True,
        )


def test_check_in_by_the_member_or_the_township_once_a_day_inside_the_term(client, users, team):
    t = terms(team)
    secretary, member = t["第一书记"], t["队员甲"]
    client.force_login(users["cadre"])  # the first secretary's own user
    page = client.get(f"/teams/{team.pk}/checkin/")
    assert page.status_code == 200
    # Only their own name is offered: checking in someone else is not theirs to do.
    assert "第一书记" in page.content.decode() and "队员甲" not in page.content.decode()
    page = client.post(
        f"/teams/{team.pk}/checkin/",
        {
            "cadre": secretary.cadre_id,
            "date": dt.date.today().isoformat(),
            "latitude": "25.18",
            "longitude": "111.58",
            "accuracy_m": "12",
        },
    )
    assert page.status_code == 302
    row = CheckIn.objects.get(cadre=secretary.cadre)
    assert row.recorded_by == users["cadre"] and not row.on_behalf and row.accuracy_m == 12
    page = client.post(
        f"/teams/{team.pk}/checkin/",
        {"cadre": secretary.cadre_id, "date": dt.date.today().isoformat()},
    )
    assert page.status_code == 422 and CheckIn.objects.count() == 1
    with pytest.raises(NotAllowed):
        services.checkin_record(actor=users["cadre"], team=team, cadre=member.cadre, date=JUNE)
    # The township records for a member; never in the future, never before the term.
    services.checkin_record(actor=users["township"], team=team, cadre=member.cadre, date=JUNE)
    assert CheckIn.objects.get(cadre=member.cadre).on_behalf
    with translation.override("en"), pytest.raises(DomainError, match="future"):
        services.checkin_record(
            actor=users["township"],
            team=team,
            cadre=member.cadre,
            date=dt.date.today() + dt.timedelta(days=1),
        )
    with translation.override("en"), pytest.raises(DomainError, match="not a member"):
        services.checkin_record(
            actor=users["township"], team=team, cadre=member.cadre, date=dt.date(2023, 12, 31)
        )
    with pytest.raises(ValidationFailed):
        services.checkin_record(
            actor=users["township"],
            team=team,
            cadre=member.cadre,
            date=JUNE + dt.timedelta(days=1),
            latitude=25,
        )
    # Village staff may not record for a member (the table: township or county).
    with pytest.raises(NotAllowed):
        services.checkin_record(
            actor=users["village"], team=team, cadre=member.cadre, date=JUNE + dt.timedelta(2)
        )


def test_leave_is_decided_by_someone_else_and_reduces_the_requirement(client, users, team):
    member = terms(team)["队员甲"]
    leave = services.leave_request(
        actor=users["township"],
        team=team,
        cadre=member.cadre,
        start_date=dt.date(2024, 6, 11),
        end_date=dt.date(2024, 6, 20),
        reason="家中老人住院",
    )
    with translation.override("en"), pytest.raises(NotAllowed, match="You asked for this leave"):
        services.leave_decide(actor=users["township"], leave=leave, approve=True)
    client.force_login(users["county"])
    page = client.post(
        f"/teams/{team.pk}/", {"action": "decide", "leave": leave.pk, "approve": "1", "note": ""}
    )
    assert page.status_code == 302
    leave.refresh_from_db()
    assert leave.state == "approved" and leave.decided_by == users["county"]
    with translation.override("en"), pytest.raises(DomainError, match="on approved leave"):
        services.checkin_record(
            actor=users["township"], team=team, cadre=member.cadre, date=dt.date(2024, 6, 15)
        )
    for d in (1, 2, 3):
        services.checkin_record(
            actor=users["township"], team=team, cadre=member.cadre, date=dt.date(2024, 6, d)
        )
    rates = selectors.attendance_rates("431129", dt.date(2024, 6, 1), dt.date(2024, 6, 30))
    # 20 a month, 10 of 30 days on leave: ⌈20 × 20 / 30⌉ = 14 required of the member.
    assert rates.members[member.cadre_id] == Days(required=14, present=3, credited=3, leave=10)
    assert rates.teams[team.pk] == Days(required=54, present=3, credited=3, leave=10)
    assert rates.by_township() == {"431129100000": rates.teams[team.pk]}
    # The same through the full code of the county, and nothing for another county.
    assert selectors.attendance_rates("431129000000", *selectors.month_span(JUNE)).teams
    assert not selectors.attendance_rates("431128", *selectors.month_span(JUNE)).teams


def test_the_first_secretary_writes_the_records_and_the_township_receives_the_report(
    client, users, team
):
    client.force_login(users["cadre"])  # the first secretary
    page = client.post(
        f"/teams/{team.pk}/", {"action": "diary", "date": "2024-06-03", "text": "走访五户"}
    )
    assert page.status_code == 302
    page = client.post(
        f"/teams/{team.pk}/",
        {"action": "report", "year": "2024", "quarter": "2", "text": "二季度工作"},
    )
    assert page.status_code == 302
    report = QuarterlyReport.objects.get(team=team)
    assert report.written_by == users["cadre"] and report.secretary.name == "第一书记"
    # Another member (no user) cannot; village staff neither; the township may.
    with pytest.raises(NotAllowed):
        services.diary_add(actor=users["village"], team=team, date=JUNE, text="x")
    services.ledger_add(
        actor=users["township"], team=team, date=JUNE, category="industry", content="收购香芋"
    )
    # The cadre user receives nothing; the township does, then it is received once.
    with pytest.raises(NotAllowed):
        services.report_receive(actor=users["cadre"], report=report)
    client.force_login(users["township"])
    page = client.post(f"/teams/{team.pk}/", {"action": "receive", "report": report.pk})
    assert page.status_code == 302
    report.refresh_from_db()
    assert report.state == "received" and report.received_by == users["township"]
    text = client.get(f"/teams/{team.pk}/").content.decode()
    assert "走访五户" in text and "收购香芋" in text and "二季度工作" in text


def test_the_roster_flags_a_small_team_without_a_secretary_and_members_past_rotation(
    client, users, team, make_cadre
):
    day = dt.date(2025, 2, 1)  # 13 months after the start: every member past rotation
    status = selectors.roster([team], day)[0]
    assert not status.below_minimum and not status.no_first_secretary
    assert len(status.past) == 3
    assert selectors.roster([team], dt.date(2024, 12, 31))[0].past == []
    secretary = terms(team)["第一书记"]
    assistance.membership_end(
        actor=users["county"], membership=secretary, date=dt.date(2024, 12, 31), reason="轮换"
    )
    status = selectors.roster([team], day)[0]
    assert status.below_minimum and status.no_first_secretary and status.no_leader
    # A county rule of two members from 2025 takes the "below" flag away.
    services.rules_save(
        actor=users["county"],
        region_code="431129000000",
        effective_from=dt.date(2025, 1, 1),
        min_members=2,
        rotation_months=24,
        required_days=18,
        reason="县定",
    )
    status = selectors.roster([team], day)[0]
    assert not status.below_minimum and status.past == [] and status.rules.required_days == 18
    assert selectors.rules_for(VILLAGE, dt.date(2024, 12, 31)).min_members == 3
    client.force_login(users["village"])
    page = client.get("/teams/", {"on": "2025-02-01", "flagged": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "No first secretary" in page.content.decode()
    page = client.get("/teams/", {"on": "2024-06-01", "flagged": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "No first secretary" not in page.content.decode()  # in order then: not listed


def test_only_the_county_office_sets_rules_and_from_the_page(client, users):
    with pytest.raises(NotAllowed):
        services.rules_save(
            actor=users["township"],
            region_code="431129100000",
            effective_from=START,
            min_members=3,
            rotation_months=12,
            required_days=20,
            reason="x",
        )
    client.force_login(users["county"])
    page = client.post(
        "/teams/rules/",
        {
            "region": "431129000000",
            "effective_from": "2024-01-01",
            "min_members": "4",
            "rotation_months": "24",
            "required_days": "22",
            "needs_first_secretary": "on",
            "reason": "",
        },
    )
    assert page.status_code == 422
    page = client.post(
        "/teams/rules/",
        {
            "region": "431129000000",
            "effective_from": "2024-01-01",
            "min_members": "4",
            "rotation_months": "24",
            "required_days": "22",
            "needs_first_secretary": "on",
            "reason": "县委文件",
        },
    )
    assert page.status_code == 302
    rules = selectors.rules_for(VILLAGE, JUNE)
    assert (rules.min_members, rules.required_days, rules.needs_leader) == (4, 22, False)
    client.force_login(users["township"])
    assert client.post("/teams/rules/", {"region": "431129100000"}).status_code == 404


def test_attendance_by_township_and_its_workbook(client, users, team):
    member = terms(team)["队员甲"]
    for d in range(1, 6):
        services.checkin_record(
            actor=users["township"], team=team, cadre=member.cadre, date=dt.date(2024, 6, d)
        )
    client.force_login(users["county"])
    page = client.get("/teams/attendance/", {"month": "2024-06"})
    text = page.content.decode()
    assert page.status_code == 200 and "队员甲" in text  # under the requirement
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/teams/attendance/export/", {"month": "2024-06"}).content)
    )
    townships, under = book.worksheets
    rows = list(townships.iter_rows(min_row=2, values_only=True))
    assert rows[0][2:6] == (60, 5, 5, 0)  # three members × 20, five days present
    assert {r[0] for r in under.iter_rows(min_row=2, values_only=True)} == {
        "第一书记",
        "队员甲",
        "队员乙",
    }
    client.force_login(users["cadre"])  # a paired cadre may not export an area
    assert client.get("/teams/attendance/export/").status_code == 403


def test_pages_are_scoped_to_the_area(client, users, team):
    client.force_login(users["neighbour"])
    for url in (f"/teams/{team.pk}/", f"/teams/{team.pk}/checkin/", f"/teams/{team.pk}/leave/"):
        assert client.get(url).status_code == 404
    assert "队员甲" not in client.get("/teams/").content.decode()
    client.force_login(users["village"])
    assert client.get(f"/teams/{team.pk}/leave/").status_code == 200
    assert Leave.objects.count() == 0
