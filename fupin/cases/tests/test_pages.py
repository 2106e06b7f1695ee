"""The case pages: an exit case walked end to end through the pages, refusals, notice
with objection form and PDF links, batch page, household panel, nav link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from conftest import VILLAGE
from fupin.cases import services
from fupin.cases.models import Case, CaseStatus, Objection
from fupin.cases.tests.helpers import ROLE_USER, TODAY, make_household

pytestmark = pytest.mark.django_db


def login(client, users, name):
    client.force_login(users[name])
    return client


def test_exit_case_through_the_pages(client, users):
    h = make_household(users, "盘石生", "101", wages="3600")
    login(client, users, "village")
    page = client.get(reverse("household_detail", args=[h.pk]))
    assert page.status_code == 200 and reverse("cases:case_new", args=[h.pk]) in page.text
    assert reverse("cases:case_list") in page.text  # nav link
    r = client.post(reverse("cases:case_new", args=[h.pk]), {"kind": "exit", "reason": "2016"})
    case = Case.objects.get()
    assert r.status_code == 302 and r.url == reverse("cases:case_detail", args=[case.pk])
    url = reverse("cases:case_detail", args=[case.pk])
    while not case.current_step.notice:
        step = case.current_step
        user = ROLE_USER[step.role]
        # Another role sees no form and is refused when posting.
        other = "county" if user != "county" else "township"
        login(client, users, other)
        assert 'name="step"' not in client.get(url).text
        assert client.post(
            url, {"step": step.code, "decision": "done", "evidence": "x"}
        ).status_code in (200, 403)
        case.refresh_from_db()
        assert case.current_step.code == step.code
        login(client, users, user)
        assert 'name="step"' in client.get(url).text
        r = client.post(url, {"step": step.code, "decision": "done", "evidence": "签字"})
        assert r.status_code == 302, r.content
        case.refresh_from_db()
    login(client, users, "village")
    r = client.post(
        reverse("cases:notice_new"),
        {"village": VILLAGE, "cases": [str(case.pk)], "posted_on": "2016-12-01", "phone": "12345"},
    )
    notice = case.notices.get()
    assert r.status_code == 302
    detail = client.get(reverse("cases:notice_detail", args=[notice.pk]))
    assert reverse("cases:notice_pdf", args=[notice.pk]) in detail.text
    pdf = client.get(reverse("cases:notice_pdf", args=[notice.pk]) + "?size=A3")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # Any staff member who reads the village records an objection (hotline, box, visit).
    login(client, users, "inspector")
    r = client.post(
        reverse("cases:notice_detail", args=[notice.pk]),
        {"cases": [str(case.pk)], "text": "有异议", "received_on": "2016-12-02"},
    )
    assert r.status_code == 302
    obj = Objection.objects.get()
    login(client, users, "township")
    r = client.post(
        reverse("cases:objection_resolve", args=[obj.pk]), {"upheld": "0", "text": "不属实"}
    )
    assert r.status_code == 302
    services.advance_expired_notices(notice.ends_on + dt.timedelta(days=1))
    case.refresh_from_db()
    while case.current_step is not None:
        step = case.current_step
        login(client, users, ROLE_USER[step.role])
        decision = "approve" if step.review else "done"
        r = client.post(url, {"step": step.code, "decision": decision, "evidence": "录入"})
        assert r.status_code == 302
        case.refresh_from_db()
    assert case.status == CaseStatus.PASSED
    h.refresh_from_db()
    assert h.status == "exited"
    assert (
        reverse("cases:case_detail", args=[case.pk]) in client.get(reverse("cases:case_list")).text
    )
    assert case.get_kind_display() in client.get(reverse("household_detail", args=[h.pk])).text


def test_outside_area_is_404(client, users):
    h = make_household(users, "盘石生", "101")
    case = services.case_open(actor=users["village"], household=h, kind="exit", today=TODAY)
    login(client, users, "neighbour")
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    r = client.post(
        reverse("cases:case_detail", args=[case.pk]),
        {"step": "deliberation", "decision": "done", "evidence": "x"},
    )
    assert r.status_code == 404
    assert client.get(reverse("cases:case_new", args=[h.pk])).status_code == 404
    listed = client.get(reverse("cases:case_list")).text
    assert reverse("cases:case_detail", args=[case.pk]) not in listed


def test_list_filters_overdue_batch_and_written_notice(client, users):
    for i in range(3):
        make_household(users, f"户主{i}", f"2{i:02d}", wages="3600")
    login(client, users, "village")
    r = client.post(reverse("cases:batch_open"), {"village": VILLAGE, "kind": "exit"})
    assert r.status_code == 200 and Case.objects.count() == 3
    assert client.get(reverse("cases:case_list"), {"kind": "exit"}).text.count("case-open") == 3
    assert "case-open" not in client.get(reverse("cases:case_list"), {"kind": "removal"}).text
    assert client.get(reverse("cases:case_list"), {"overdue": "on"}).status_code == 200
    Case.objects.update(step_due_on=dt.date(2000, 1, 1))
    page = client.get(reverse("cases:overdue"))
    assert page.status_code == 200 and "大坪村" in page.text
    case = Case.objects.first()
    assert client.get(reverse("cases:written_notice", args=[case.pk])).status_code == 404
