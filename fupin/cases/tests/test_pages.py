"""The case pages: an exit case walked end to end through the pages, refusals, notice
with objection form and PDF links, batch page, household panel, nav link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import VILLAGE
from fupin.cases import selectors, services
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


def test_the_case_list_pages_newest_first_by_keyset_with_the_filters_kept(
    client, users, monkeypatch
):
    for i in range(5):
        make_household(users, f"户主{i}", f"3{i:02d}", wages="3600")
    login(client, users, "village")
    client.post(reverse("cases:batch_open"), {"village": VILLAGE, "kind": "exit"})
    # Two share an opening time: the id breaks the tie.
    ids = list(Case.objects.order_by("id").values_list("id", flat=True))
    base = timezone.now()
    for n, pk in enumerate(ids):
        Case.objects.filter(pk=pk).update(opened_at=base + dt.timedelta(minutes=min(n, 3)))
    newest_first = sorted(
        Case.objects.values_list("opened_at", "id"), key=lambda r: (r[0], r[1]), reverse=True
    )
    order = [pk for _t, pk in newest_first]

    def listed(page) -> list[int]:
        return [pk for pk in order if reverse("cases:case_detail", args=[pk]) in page.text]

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    first = client.get(reverse("cases:case_list"), {"kind": "exit"})
    assert listed(first) == order[:2]
    assert f"older={order[1]}" in first.text and 'rel="prev"' not in first.text
    assert "kind=exit" in first.text  # the filter rides along the pager
    second = client.get(reverse("cases:case_list"), {"kind": "exit", "older": order[1]})
    assert listed(second) == order[2:4]
    last = client.get(reverse("cases:case_list"), {"kind": "exit", "older": order[3]})
    assert listed(last) == order[4:]
    assert 'rel="next"' not in last.text and f"newer={order[4]}" in last.text
    back = client.get(reverse("cases:case_list"), {"kind": "exit", "newer": order[2]})
    assert listed(back) == order[:2]
    assert 'rel="prev"' not in back.text and f"older={order[1]}" in back.text
    # A cursor the user cannot see starts from the newest.
    assert listed(client.get(reverse("cases:case_list"), {"older": "999999"})) == order[:2]


def test_the_case_page_shows_a_pending_or_unestablished_decision_clause_by_clause(client, users):
    """A decision stored at opening that waits for a department finding's verification,
    with a department list never compared: the page names both outcomes, the finding and
    the missing source, in Chinese and in English (not "Unknown")."""
    from fupin.compare.models import ComparisonRun, Finding
    from fupin.policy.tests.test_policy import covered

    h = make_household(users, "盘石生", "101", wages="2500")
    covered(h, kinds=("vehicles", "real_estate", "public_employees"))
    Finding.objects.create(
        household=h,
        kind="vehicles",
        rule="EXCL_VEHICLE",
        summary="湘M12345",
        run=ComparisonRun.objects.get(kind="vehicles"),
        fingerprint="p" * 64,
    )
    case = services.case_open(actor=users["village"], household=h, kind="removal", today=TODAY)
    assert case.decision["eligible"] is None and case.decision["pending"]
    url = reverse("cases:case_detail", args=[case.pk])
    login(client, users, "village")
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").text
    assert "待核实，暂不能判定" in zh and "待核实" in zh and "无法认定" in zh
    assert "湘M12345" in zh and "未知" not in zh
    # The missing source, as the evaluation stated it when the case was opened.
    assert "该部门数据尚未对本户所在地区进行比对。" in zh
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    assert "undecided pending verification" in en and "not established" in en
    assert "department record：湘M12345" in en and ">Unknown<" not in en
