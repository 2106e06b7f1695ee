import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.assistance import services as assistance
from fupin.core.models import ChangeRecord
from fupin.leaders import rules, selectors, services
from fupin.leaders.choices import Period, Target
from fupin.leaders.models import ContactLink, ContactReport

TOWNSHIP = "431129100000"
OTHER_TOWNSHIP = "431129103000"
PDF = b"%PDF-1.4 report\n%%EOF\n"


def login(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def leader_user(users):
    # A county leader signs in as a paired cadre of the county (its own links only).
    return User.objects.create_user(
        username="leader", password="pw-leader", role=Role.CADRE, area_id="431129000000"
    )


@pytest.fixture
def leader(users, leader_user):
    return assistance.cadre_create(
        actor=users["admin"],
        data={
            "name": "李县长",
            "unit": "江华瑶族自治县人民政府",
            "rank": "county",
            "post": "副县长",
            "home_area_id": "431129000000",
            "user": leader_user,
        },
    )


@pytest.fixture
def link(users, leader):
    return services.link_create(
        actor=users["county"],
        leader=leader,
        area_code=TOWNSHIP,
        start_date=dt.date(2025, 1, 1),
        reason="三层联系",
    )


def test_county_links_a_leader_through_the_page_recorded(users, leader):
    c = login(users["county"])
    response = c.post(
        reverse("leaders:link_create"),
        {"leader": leader.pk, "area": TOWNSHIP, "start_date": "2025-01-01", "reason": "分工"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    link = ContactLink.objects.get()
    assert (link.area_id, link.leader_id) == (TOWNSHIP, leader.pk)
    rec = ChangeRecord.objects.get(object_type="leaders.contactlink")
    assert rec.user == users["county"] and rec.reason == "分工"


def test_a_township_station_may_not_link_leaders(users, leader):
    c = login(users["township"])
    response = c.post(
        reverse("leaders:link_create"),
        {"leader": leader.pk, "area": TOWNSHIP, "start_date": "2025-01-01"},
    )
    assert response.status_code == 403
    assert not ContactLink.objects.exists()


def test_a_link_twice_over_the_same_time_is_refused(users, leader, link):
    c = login(users["county"])
    response = c.post(
        reverse("leaders:link_create"),
        {"leader": leader.pk, "area": TOWNSHIP, "start_date": "2026-01-01"},
    )
    assert response.status_code == 422
    assert "已" in response.content.decode() or "already" in response.content.decode()
    assert ContactLink.objects.count() == 1


def test_report_by_the_township_with_a_file_and_by_the_leader(users, link, leader_user):
    c = login(users["township"])
    day = timezone.localdate()
    response = c.post(
        reverse("leaders:report_create", args=[link.pk]),
        {
            "date": day.isoformat(),
            "place": "沱江镇政府",
            "content": "召开调度会",
            "problems_found": "资金拨付慢",
            "problems_solved": "督促拨付",
            "photo": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report = ContactReport.objects.get()
    assert report.photo_type == "application/pdf" and report.recorded_by == users["township"]
    rec = ChangeRecord.objects.get(object_type="leaders.contactreport")
    assert (rec.related_type, rec.related_id) == ("leaders.contactlink", str(link.pk))
    page = c.get(reverse("leaders:link_detail", args=[link.pk])).content.decode()
    assert "召开调度会" in page and reverse("leaders:report_photo", args=[report.pk]) in page
    assert c.get(reverse("leaders:report_photo", args=[report.pk])).status_code == 200
    # The leader, signed in as a paired cadre, reads and reports on its own link only.
    leader = login(leader_user)
    assert leader.get(reverse("leaders:link_detail", args=[link.pk])).status_code == 200
    response = leader.post(
        reverse("leaders:report_create", args=[link.pk]),
        {"date": day.isoformat(), "place": "大坪村", "content": "走访监测户"},
    )
    assert response.status_code == 302
    assert ContactReport.objects.count() == 2
    # Another leader's link is not the leader's: not found.
    other = services.link_create(
        actor=users["county"],
        leader=assistance.cadre_create(
            actor=users["admin"],
            data={"name": "王县长", "unit": "县政府", "rank": "county", "home_area_id": TOWNSHIP},
        ),
        area_code=OTHER_TOWNSHIP,
        start_date=dt.date(2025, 1, 1),
    )
    assert leader.get(reverse("leaders:link_detail", args=[other.pk])).status_code == 404
    assert "王县长" not in leader.get(reverse("leaders:links")).content.decode()


@pytest.mark.parametrize(
    "day, field",
    [(dt.date(2024, 12, 31), "date"), (None, "date")],
)
def test_report_dates_outside_the_link_or_in_the_future_are_refused(users, link, day, field):
    day = day or timezone.localdate() + dt.timedelta(days=1)
    c = login(users["county"])
    response = c.post(
        reverse("leaders:report_create", args=[link.pk]),
        {"date": day.isoformat(), "place": "镇政府", "content": "调研"},
    )
    assert response.status_code == 422
    assert not ContactReport.objects.exists()


def test_scope_village_and_other_township_see_nothing(users, link):
    for name in ("village", "neighbour", "other_county"):
        c = login(users[name])
        assert c.get(reverse("leaders:link_detail", args=[link.pk])).status_code == 404
        assert "李县长" not in c.get(reverse("leaders:links")).content.decode()
    # A township user cannot even reach the report form of another township's link.
    other = services.link_create(
        actor=users["county"],
        leader=link.leader,
        area_code=OTHER_TOWNSHIP,
        start_date=dt.date(2025, 1, 1),
    )
    c = login(users["township"])
    assert c.get(reverse("leaders:report_create", args=[other.pk])).status_code == 404
    assert c.get(reverse("leaders:link_detail", args=[link.pk])).status_code == 200


def test_department_may_read_but_not_report(users, link):
    c = login(users["department"])
    assert c.get(reverse("leaders:link_detail", args=[link.pk])).status_code == 200
    assert c.get(reverse("leaders:report_create", args=[link.pk])).status_code == 403


def test_overdue_list_names_the_shortfall_and_clears(users, link):
    services.rule_save(
        actor=users["county"],
        region_code="431129000000",
        target=Target.TOWNSHIP,
        period=Period.QUARTER,
        visits_required=2,
    )
    today = timezone.localdate()
    c = login(users["county"])
    rows = selectors.overdue(user=users["county"])
    assert [(s.link.pk, s.required, s.done, s.missing) for s in rows] == [(link.pk, 2, 0, 2)]
    page = c.get(reverse("leaders:overdue")).content.decode()
    assert "李县长" in page
    start, _end = rules.period_of(Period.QUARTER, today)
    for n in range(2):
        services.report_record(
            actor=users["county"],
            link=link,
            date=start + dt.timedelta(days=n),
            place="镇",
            content="走访",
        )
    assert selectors.overdue(user=users["county"]) == []
    assert "李县长" not in c.get(reverse("leaders:overdue")).content.decode()
    # The previous quarter had no report: it stays missed in the previous-period view.
    previous = selectors.overdue(user=users["county"], previous=True)
    assert [(s.missing, s.end) for s in previous] == [(2, start - dt.timedelta(days=1))]
    assert "李县长" in c.get(reverse("leaders:overdue") + "?period=previous").content.decode()


def test_a_rank_rule_beats_the_county_rule_and_an_ended_link_is_not_due(users, link):
    services.rule_save(
        actor=users["county"],
        region_code="431129000000",
        target=Target.TOWNSHIP,
        period=Period.QUARTER,
        visits_required=1,
    )
    services.rule_save(
        actor=users["county"],
        region_code="431129000000",
        target=Target.TOWNSHIP,
        period=Period.MONTH,
        visits_required=3,
        rank="county",
    )
    assert (
        selectors.required_for(link)
        == rules.Requirement(Period.MONTH, 3, link and selectors.rule_rows()[-1].rule_id)
        or selectors.required_for(link).visits == 3
    )
    today = timezone.localdate()
    before = rules.previous_period(Period.MONTH, today)[1] - dt.timedelta(days=40)
    services.link_end(actor=users["county"], link=link, end_date=before, reason="调任")
    assert selectors.overdue(user=users["county"]) == []
    assert ChangeRecord.objects.filter(object_type="leaders.contactlink", reason="调任").exists()


def test_ending_a_link_needs_a_reason_on_the_page(users, link):
    c = login(users["county"])
    response = c.post(
        reverse("leaders:link_detail", args=[link.pk]), {"end_date": "2026-01-31", "reason": ""}
    )
    assert response.status_code == 422
    link.refresh_from_db()
    assert link.end_date is None
    assert (
        login(users["township"])
        .post(
            reverse("leaders:link_detail", args=[link.pk]),
            {"end_date": "2026-01-31", "reason": "x"},
        )
        .status_code
        == 404
    )


def test_rules_page_sets_a_rule_for_the_county(users):
    c = login(users["county"])
    response = c.post(
        reverse("leaders:rules"),
        {"region": "431129000000", "target": "5", "period": "month", "visits_required": "2"},
    )
    assert response.status_code == 302
    page = c.get(reverse("leaders:rules")).content.decode()
    assert "江华瑶族自治县" in page
    assert login(users["township"]).post(reverse("leaders:rules"), {}).status_code == 404
