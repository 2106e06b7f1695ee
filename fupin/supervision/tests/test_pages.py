"""Supervision pages: render in zh-hans and English, scope (404 outside the area),
permissions per role, and the write pages going through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fupin.core.history import history_of
from fupin.supervision import selectors, services
from fupin.supervision.choices import EscalationState, FindingStatus, Verdict
from fupin.supervision.models import (
    Escalation,
    Finding,
    Inspection,
    ResponsibilityItem,
    Task,
    TaskList,
)

pytestmark = pytest.mark.django_db

D = dt.date


def _login(client, users, who):
    client.force_login(users[who])
    return client


@pytest.fixture
def data(users, units, make_finding):
    f1 = make_finding(units["village"], D(2020, 3, 1), description="大坪村档案不全")
    f2 = make_finding(units["neighbour"], D(2020, 3, 1), description="清塘村帮扶不到位")
    services.escalate(as_of=D(2020, 4, 1))
    tl = services.task_list_create(
        actor=users["county"],
        title="2020年第二季度任务清单",
        area_code="431129000000",
        period_kind="quarter",
        period_start=D(2020, 4, 1),
    )
    t1 = services.task_add(
        actor=users["county"],
        task_list=tl,
        unit=units["village"],
        title="大坪村动态调整",
        due_date=D(2020, 6, 30),
    )
    t2 = services.task_add(
        actor=users["county"],
        task_list=tl,
        unit=units["neighbour"],
        title="清塘村入户核实",
        due_date=D(2020, 6, 30),
    )
    services.responsibility_add(
        actor=users["county"],
        level="village",
        unit=units["village"],
        person_name="盘建国",
        post="村党支部书记",
        duty="对本村脱贫攻坚负总责",
    )
    return {"f1": f1, "f2": f2, "tl": tl, "t1": t1, "t2": t2}


PAGES = [
    ("supervision:index", None),
    ("supervision:inspections", None),
    ("supervision:units", None),
    ("supervision:responsibilities", None),
    ("supervision:tasks", None),
]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_pages_render_in_both_languages(client, users, data, lang):
    _login(client, users, "county")
    headers = {"HTTP_ACCEPT_LANGUAGE": lang}
    insp = data["f1"].inspection
    urls = [reverse(name) for name, _a in PAGES] + [
        reverse("supervision:index") + "?year=2020",
        reverse("supervision:inspection", args=[insp.pk]),
        reverse("supervision:finding", args=[data["f1"].pk]),
        reverse("supervision:unit", args=[data["f1"].unit_id]),
        reverse("supervision:tasks") + "?kind=quarter&start=2020-04-01",
        reverse("supervision:inspection_create"),
        reverse("supervision:finding_create", args=[insp.pk]),
        reverse("supervision:task_list_create"),
        reverse("supervision:task_add", args=[data["tl"].pk]),
        reverse("supervision:unit_create"),
    ]
    for url in urls:
        resp = client.get(url, **headers)
        assert resp.status_code == 200, url
    page = client.get(reverse("supervision:index") + "?year=2020", **headers).content.decode()
    if lang == "en":
        assert "Circulated notice" in page and "Open and overdue findings" in page
    else:
        assert "通报" in page and "Open and overdue findings" not in page


def test_index_counts_escalations_of_the_year(client, users, data):
    page = _login(client, users, "county").get(reverse("supervision:index") + "?year=2020")
    counts = {code: (n, u) for code, _label, n, u in page.context["counts"].rows}
    assert counts["notice"] == (2, 2) and counts["talk"] == (0, 0)
    assert len(page.context["overdue_tasks"]) == 2  # due 2020-06-30, not done
    # The village user sees only its own unit's step.
    page = _login(client, users, "village").get(reverse("supervision:index") + "?year=2020")
    counts = {code: n for code, _label, n, _u in page.context["counts"].rows}
    assert counts["notice"] == 1
    assert "清塘村帮扶不到位" not in page.content.decode()


def test_outside_the_area_is_not_found(client, users, data):
    _login(client, users, "neighbour")
    for url in (
        reverse("supervision:finding", args=[data["f1"].pk]),
        reverse("supervision:unit", args=[data["f1"].unit_id]),
        reverse("supervision:task_complete", args=[data["t1"].pk]),
        reverse("supervision:finding_file", args=[data["f1"].pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("supervision:finding_rectify", args=[data["f1"].pk]), {"report": "x"}
        ).status_code
        == 404
    )
    assert client.get(reverse("supervision:finding", args=[data["f2"].pk])).status_code == 200
    _login(client, users, "other_county")
    assert (
        client.get(reverse("supervision:inspection", args=[data["f1"].inspection_id])).status_code
        == 404
    )
    page = client.get(reverse("supervision:units"))
    assert page.status_code == 200 and not page.context["rows"]


def test_roles_without_supervise_cannot_record(client, users, data):
    _login(client, users, "village")
    for name in (
        "supervision:inspection_create",
        "supervision:unit_create",
        "supervision:task_list_create",
    ):
        assert client.get(reverse(name)).status_code == 403
    resp = client.post(reverse("supervision:finding_fail", args=[data["f1"].pk]), {"reason": "x"})
    assert resp.status_code == 403
    assert Finding.objects.get(pk=data["f1"].pk).status != FindingStatus.FAILED
    _login(client, users, "department")
    resp = client.post(
        reverse("supervision:finding_rectify", args=[data["f1"].pk]), {"report": "x"}
    )
    assert resp.status_code == 403


def test_rectify_and_verify_through_the_pages(client, users, data):
    f = data["f2"]
    _login(client, users, "neighbour")
    page = client.get(reverse("supervision:finding", args=[f.pk]))
    assert page.context["rect_form"] is not None and page.context["verify_form"] is None
    pdf = SimpleUploadedFile("r.pdf", b"%PDF-1.4", content_type="application/pdf")
    resp = client.post(
        reverse("supervision:finding_rectify", args=[f.pk]),
        {"report": "已入户核实并更新台账", "file": pdf},
    )
    assert resp.status_code == 302
    rec = f.rectifications.get()
    assert rec.size > 0
    assert client.get(reverse("supervision:rectification_file", args=[rec.pk])).status_code == 200
    _login(client, users, "inspector")
    resp = client.post(
        reverse("supervision:finding_verify", args=[f.pk]), {"verdict": "rejected", "notes": ""}
    )
    # Shown again with the choice kept and the reason asked for.
    assert resp.status_code == 422 and resp.context["verify_form"].errors["notes"]
    assert resp.context["verify_form"]["verdict"].value() == "rejected"
    rec.refresh_from_db()
    assert rec.verdict == Verdict.PENDING  # a rejection needs its reason: nothing changed
    client.post(reverse("supervision:finding_verify", args=[f.pk]), {"verdict": "accepted"})
    rec.refresh_from_db()
    f.refresh_from_db()
    assert rec.verdict == Verdict.ACCEPTED and f.status == FindingStatus.RECTIFIED


def test_create_inspection_finding_and_decide_escalation(client, users, units, data):
    _login(client, users, "inspector")
    resp = client.post(
        reverse("supervision:inspection_create"),
        {
            "title": "2020年暗访",
            "kind": "unannounced",
            "area": "431129100000",
            "start_date": "2020-05-01",
            "end_date": "2020-05-03",
            "inspectors": [users["inspector"].pk],
        },
    )
    insp = Inspection.objects.get(title="2020年暗访")
    assert resp.status_code == 302 and list(insp.inspectors.all()) == [users["inspector"]]
    bad = client.post(
        reverse("supervision:finding_create", args=[insp.pk]),
        {
            "unit": units["village"].pk,
            "description": "x",
            "category": "data",
            "severity": "minor",
            "found_on": "2020-05-02",
            "deadline": "2020-04-01",
        },
    )
    assert bad.status_code == 422 and bad.context["form"].errors["deadline"]
    client.post(
        reverse("supervision:finding_create", args=[insp.pk]),
        {
            "unit": units["village"].pk,
            "description": "公示栏未更新",
            "category": "files",
            "severity": "minor",
            "found_on": "2020-05-02",
            "deadline": "2020-05-20",
        },
    )
    assert insp.findings.count() == 1
    esc = Escalation.objects.get(finding=data["f1"])
    resp = client.post(
        reverse("supervision:escalation_decide", args=[esc.pk]),
        {"state": "issued", "decided_on": "2020-04-05", "notes": "全县通报"},
    )
    # No document number: shown again, the notes kept, nothing decided.
    assert resp.status_code == 422 and resp.context["bound"].errors["document"]
    assert "全县通报" in resp.content.decode()
    esc.refresh_from_db()
    assert esc.state == EscalationState.PROPOSED
    resp = client.post(
        reverse("supervision:escalation_decide", args=[esc.pk]),
        {"state": "issued", "decided_on": "2020-04-05", "document": "江扶督〔2020〕5号"},
    )
    esc.refresh_from_db()
    assert esc.state == EscalationState.ISSUED and esc.decided_by == users["inspector"]
    page = client.get(reverse("supervision:unit", args=[units["village"].pk]))
    assert "江扶督〔2020〕5号" in page.content.decode()


def test_task_pages(client, users, units, data):
    _login(client, users, "county")
    resp = client.post(
        reverse("supervision:task_list_create"),
        {
            "title": "六月任务",
            "area": "431129000000",
            "period_kind": "month",
            "period_start": "2020-06-02",
        },
    )
    assert resp.status_code == 422 and not TaskList.objects.filter(title="六月任务").exists()
    _login(client, users, "village")
    resp = client.post(
        reverse("supervision:task_complete", args=[data["t1"].pk]), {"evidence": "已完成"}
    )
    assert resp.status_code == 302
    assert Task.objects.get(pk=data["t1"].pk).completed_by == users["village"]
    page = client.get(reverse("supervision:tasks") + "?kind=quarter&start=2020-04-01")
    assert [r.unit.pk for r in page.context["board"]["rates"]] == [units["village"].pk]
    _login(client, users, "inspector")  # may read, not report done
    assert client.get(reverse("supervision:task_complete", args=[data["t2"].pk])).status_code == 403


def test_responsibility_page(client, users, units, data):
    _login(client, users, "county")
    client.post(
        reverse("supervision:responsibilities"),
        {
            "level": "township",
            "unit": units["township"].pk,
            "person_name": "李明",
            "post": "镇长",
            "duty": "对全镇脱贫攻坚负主体责任",
        },
    )
    page = client.get(reverse("supervision:responsibilities") + "?level=township")
    assert "李明" in page.content.decode() and "盘建国" not in page.content.decode()
    item = ResponsibilityItem.objects.get(person_name="李明")
    client.post(reverse("supervision:responsibilities"), {"retire": item.pk, "reason": ""})
    item.refresh_from_db()
    assert item.active  # a retirement says why
    client.post(reverse("supervision:responsibilities"), {"retire": item.pk, "reason": "调任"})
    item.refresh_from_db()
    assert not item.active
    _login(client, users, "village")
    assert client.post(reverse("supervision:responsibilities"), {}).status_code == 403


def test_every_object_url_is_not_found_from_another_county(client, users, data):
    """other_county is a county office (it may supervise), but not here."""
    f = data["f1"]
    rec = services.rectification_submit(actor=users["village"], finding=f, report="已整改")
    esc = Escalation.objects.get(finding=data["f2"])
    gets = [
        reverse("supervision:finding", args=[f.pk]),
        reverse("supervision:finding_file", args=[f.pk]),
        reverse("supervision:rectification_file", args=[rec.pk]),
        reverse("supervision:unit", args=[f.unit_id]),
        reverse("supervision:inspection", args=[f.inspection_id]),
        reverse("supervision:finding_create", args=[f.inspection_id]),
        reverse("supervision:task_add", args=[data["tl"].pk]),
        reverse("supervision:task_complete", args=[data["t1"].pk]),
        reverse("supervision:task_file", args=[data["t1"].pk]),
    ]
    posts = [
        (reverse("supervision:finding_rectify", args=[f.pk]), {"report": "x"}),
        (reverse("supervision:finding_verify", args=[f.pk]), {"verdict": "accepted"}),
        (reverse("supervision:finding_fail", args=[f.pk]), {"reason": "x"}),
        (
            reverse("supervision:escalation_decide", args=[esc.pk]),
            {"state": "issued", "decided_on": "2020-04-05", "document": "x"},
        ),
    ]
    _login(client, users, "other_county")
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, body in posts:
        assert client.post(url, body).status_code == 404, url
    rec.refresh_from_db()
    esc.refresh_from_db()
    assert rec.verdict == Verdict.PENDING and esc.state == EscalationState.PROPOSED
    page = client.get(reverse("supervision:index") + "?year=2020")
    assert not page.context["open_findings"] and not list(page.context["escalations"])


def test_village_staff_see_the_inspection_that_found_their_problems_only(client, users, data):
    insp = data["f1"].inspection
    _login(client, users, "village")
    page = client.get(reverse("supervision:inspection", args=[insp.pk]))
    assert page.status_code == 200
    assert [x.pk for x in page.context["findings"]] == [data["f1"].pk]
    assert list(client.get(reverse("supervision:inspections")).context["inspections"]) == [insp]
    other = services.inspection_create(
        actor=users["inspector"],
        title="清塘村专项",
        kind="special",
        area_code="431129100202",
        start_date=D(2020, 5, 1),
        end_date=D(2020, 5, 2),
    )
    assert client.get(reverse("supervision:inspection", args=[other.pk])).status_code == 404


def test_edit_a_unit(client, users, units, data):
    unit = units["township"]
    url = reverse("supervision:unit_edit", args=[unit.pk])
    _login(client, users, "township")
    assert client.get(url).status_code == 403
    _login(client, users, "county")
    resp = client.post(
        url, {"name": "沱江镇人民政府（合并后）", "kind": "township", "reason": "乡镇合并"}
    )
    assert resp.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "沱江镇人民政府（合并后）" and not unit.active
    rec = history_of(unit).filter(object_type="supervision.unit", action="update").get()
    assert rec.changes["active"] == [True, False] and rec.reason == "乡镇合并"
    # A retired unit leaves the lists for new findings and tasks.
    assert unit.pk not in [u.pk for u in selectors.units(user=users["county"])]
    listed = client.get(reverse("supervision:units")).context["rows"]
    assert unit.pk in [u.pk for u, _n in listed]
