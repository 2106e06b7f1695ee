"""Project pages through the test client: scope, permissions, lifecycle buttons, budget,
payments, beneficiaries, and the public disclosure pages (no login, no personal data)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import HOUSEHOLD_DATA, NEIGHBOUR, VILLAGE, make_id
from fupin.funds.models import BudgetLine, Disbursement
from fupin.projects.models import Project, ProjectState
from fupin.projects.tests.helpers import propose, second_county, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client, users):
    def _login(name):
        client.force_login(users[name])
        return client

    return _login


def test_index_lists_projects_in_scope_in_both_languages(login, users, project):
    propose(users["neighbour"], villages=(NEIGHBOUR,), name="清塘村自来水工程", type="water")
    page = login("village").get(reverse("projects:index"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "大坪村通组公路硬化" in body and "清塘村自来水工程" not in body
    assert "项目库" in body
    en = login("county").get(reverse("projects:index"), HTTP_ACCEPT_LANGUAGE="en")
    body = en.content.decode()
    assert "Project library" in body and "清塘村自来水工程" in body
    assert "Proposed" in body
    assert (
        "大坪村通组公路硬化"
        not in login("other_county").get(reverse("projects:index")).content.decode()
    )


def test_index_filters_by_state_and_overdue(login, users, allocation, project):
    walk(propose(users["village"], name="已验收项目"), users, "accepted", allocation=allocation)
    c = login("county")
    body = c.get(reverse("projects:index"), {"state": "accepted"}).content.decode()
    assert "已验收项目" in body and "大坪村通组公路硬化" not in body
    # the proposed project ends 2018-10-31: overdue today; the accepted one is not
    body = c.get(reverse("projects:index"), {"overdue": "on"}).content.decode()
    assert "大坪村通组公路硬化" in body and "已验收项目" not in body


def test_index_rows_show_overdue_and_execution_rate(login, users, allocation, project):
    walk(propose(users["village"], name="已验收项目"), users, "accepted", allocation=allocation)
    body = login("county").get(reverse("projects:index"), HTTP_ACCEPT_LANGUAGE="en")
    rows = body.content.decode().split("<tr>")

    def row(name):
        return next(r for r in rows if f">{name}</a>" in r)

    # the proposed project: past its end, no budget; the accepted one: 600,000 committed
    assert "Overdue" in row("大坪村通组公路硬化") and ">—</td>" in row("大坪村通组公路硬化")
    assert "Overdue" not in row("已验收项目")
    assert ">600,000.00</td>" in row("已验收项目") and ">0.0%</td>" in row("已验收项目")


def test_detail_outside_area_is_404(login, project):
    url = reverse("projects:detail", args=[project.pk])
    assert login("other_county").get(url).status_code == 404
    assert login("neighbour").get(url).status_code == 404
    assert login("township").get(url).status_code == 200


def test_propose_through_the_page(login, users):
    c = login("village")
    assert c.get(reverse("projects:new")).status_code == 200
    resp = c.post(
        reverse("projects:new"),
        {
            "name": "大坪村光伏电站",
            "type": "solar",
            "villages": [VILLAGE],
            "year": 2019,
            "responsible_unit": "江华县发改局",
            "budget_requested": "300000.00",
            "starts_on": "2019-03-01",
            "ends_on": "2019-09-30",
        },
    )
    p = Project.objects.get(name="大坪村光伏电站")
    assert resp.status_code == 302 and resp["Location"] == reverse("projects:detail", args=[p.pk])
    assert p.budget_requested == Decimal("300000.00") and p.area_id == VILLAGE
    # bad input: end before start → error shown, nothing saved
    resp = c.post(
        reverse("projects:new"),
        {
            "name": "错误项目",
            "type": "solar",
            "villages": [VILLAGE],
            "year": 2019,
            "responsible_unit": "江华县发改局",
            "budget_requested": "1.00",
            "starts_on": "2019-09-01",
            "ends_on": "2019-03-01",
        },
    )
    assert resp.status_code == 422 and not Project.objects.filter(name="错误项目").exists()
    assert login("department").get(reverse("projects:new")).status_code == 403


def test_lifecycle_buttons_follow_the_role(login, users, project):
    url = reverse("projects:detail", args=[project.pk])
    assert 'value="review"' not in login("village").get(url).content.decode()
    assert 'value="review"' in login("township").get(url).content.decode()
    step = reverse("projects:step", args=[project.pk])
    assert login("village").post(step, {"action": "review"}).status_code == 403
    resp = login("township").post(step, {"action": "review", "evidence": "材料齐全"})
    assert resp.status_code == 302
    project.refresh_from_db()
    assert project.state == ProjectState.REVIEWED
    # approving without a budget: the error is shown and the state stays
    resp = login("county").post(step, {"action": "approve"})
    assert resp.status_code == 422
    project.refresh_from_db()
    assert project.state == ProjectState.REVIEWED


def test_budget_and_payment_through_the_pages(login, users, allocation, project):
    project = walk(project, users, "approved", allocation=allocation, budget="500000.00")
    c = login("county")
    line = BudgetLine.objects.get(project=project)
    resp = c.post(
        reverse("projects:budget_line", args=[project.pk]),
        {"allocation": allocation.pk, "amount": "2000000.00"},
    )
    assert resp.status_code == 422  # refused: more than the allocation
    line.refresh_from_db()
    assert line.amount == Decimal("500000.00")
    assert (
        login("township")
        .post(
            reverse("projects:budget_line", args=[project.pk]),
            {"allocation": allocation.pk, "amount": "1.00"},
        )
        .status_code
        == 403
    )
    project.refresh_from_db()
    walk(project, users, "in_progress")
    c = login("county")
    resp = c.post(
        reverse("projects:disbursement", args=[project.pk]),
        {"line": line.pk, "amount": "120000.50", "paid_on": "2018-05-02", "voucher": "凭证-1"},
    )
    assert resp.status_code == 302
    payment = Disbursement.objects.get()
    assert payment.amount == Decimal("120000.50") and payment.status == "pending"
    body = c.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "0.0%" in body and "countersign/" not in body  # the recorder may not countersign
    other = second_county()
    c.force_login(other)
    sign = reverse("projects:countersign", args=[project.pk, payment.pk])
    assert sign in c.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert c.post(sign, {"decision": "approve"}).status_code == 302
    c = login("county")
    body = c.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "120,000.50" in body and "24.0%" in body
    assert "凭证-1" in body
    assert "<ins>120000.50</ins>" in body  # the payment's change record, in the history
    resp = c.post(
        reverse("projects:disbursement", args=[project.pk]),
        {"line": line.pk, "amount": "400000.00", "paid_on": "2018-05-03"},
    )
    assert resp.status_code == 422 and Disbursement.objects.count() == 1


def test_beneficiaries_through_the_page(login, users, project, household):
    c = login("village")
    resp = c.post(
        reverse("projects:beneficiaries", args=[project.pk]), {"households": [household.pk]}
    )
    assert resp.status_code == 302
    assert list(project.beneficiaries.all()) == [household]
    body = c.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert household.number in body


# ---------------------------------------------------------------- public


def test_public_pages_show_only_disclosed_projects_and_no_personal_data(
    client, users, allocation, household
):
    shown = walk(
        propose(users["village"], name="公示的项目"),
        users,
        "disclosed",
        allocation=allocation,
        budget="300000",
    )
    Project.beneficiaries.through.objects.create(project=shown, household=household)
    hidden = walk(
        propose(users["village"], name="未公示的项目"),
        users,
        "accepted",
        allocation=allocation,
        budget="100000",
    )
    assert hidden.state == ProjectState.ACCEPTED
    propose(users["village"], name="刚申报的项目")

    client.logout()
    index = client.get(reverse("projects:public_index"))
    assert index.status_code == 200 and "江华瑶族自治县" in index.content.decode()
    county = client.get(reverse("projects:public_county", args=["431129000000"]))
    assert "大坪村" in county.content.decode()
    page = client.get(reverse("projects:public_village", args=[VILLAGE]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "公示的项目" in body
    assert "未公示的项目" not in body and "刚申报的项目" not in body
    assert "300,000.00" in body and "中央财政专项扶贫资金" in body
    # the beneficiary household appears as a count only
    assert '<td class="num">1</td></tr>' in body
    assert household.number not in body
    assert "盘石生" not in body
    assert make_id() not in body and HOUSEHOLD_DATA["phone"] not in body
    assert HOUSEHOLD_DATA["address"] not in body
    assert reverse("tips:report") in body and "12345" in body
    notice = client.get(reverse("projects:public_notice", args=[VILLAGE]))
    text = notice.content.decode()
    assert notice.status_code == 200 and "@media print" in text and "公示的项目" in text
    assert household.number not in text and "未公示的项目" not in text
    en = client.get(reverse("projects:public_village", args=[VILLAGE]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Public disclosure of poverty alleviation projects" in en.content.decode()
    assert client.get(reverse("projects:public_village", args=["431129100000"])).status_code == 404


def test_step_evidence_file_is_served_in_scope(
    login, users, allocation, project, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = walk(project, users, "in_progress", allocation=allocation)
    c = login("county")
    upload = SimpleUploadedFile("yanshou.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    resp = c.post(reverse("projects:step", args=[project.pk]), {"action": "accept", "file": upload})
    assert resp.status_code == 302
    step = project.steps.get(action="accept")
    url = reverse("projects:step_file", args=[project.pk, step.pk])
    assert c.get(url).status_code == 200
    assert login("other_county").get(url).status_code == 404
    assert (
        url in login("county").get(reverse("projects:detail", args=[project.pk])).content.decode()
    )


def test_admin_shows_funds_and_projects_read_only(login, allocation, project):
    c = login("admin")
    for name in ("projects_project", "funds_allocation", "funds_fundsource", "funds_disbursement"):
        assert c.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert c.get(reverse("admin:projects_project_add")).status_code == 403
    resp = c.post(reverse("admin:funds_allocation_change", args=[allocation.pk]), {"amount": "1"})
    assert resp.status_code == 403
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("1000000.00")


def test_index_pages_through_many_projects(login, users, monkeypatch):
    from fupin.projects import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for i in range(5):
        propose(users["village"], name=f"项目{i}")
    c = login("village")
    first = c.get(reverse("projects:index")).content.decode()
    assert first.count('href="/projects/') - first.count('href="/projects/new') >= 2
    assert "1 / 3" in first and 'rel="next"' in first
    last = c.get(reverse("projects:index"), {"page": 3}).content.decode()
    assert "3 / 3" in last and 'rel="next"' not in last and "项目4" in last and "项目0" not in last


def test_household_page_lists_the_projects_it_benefits_from(login, users, household):
    own = propose(users["village"], name="大坪村光伏电站")
    shared = propose(users["township"], villages=(VILLAGE, NEIGHBOUR), name="两村通组公路")
    other = propose(users["village"], name="大坪村茶叶基地")
    for p in (own, shared):
        Project.beneficiaries.through.objects.create(project=p, household=household)
    url = reverse("household_detail", args=[household.pk])
    body = login("village").get(url).content.decode()
    assert "大坪村光伏电站" in body and "两村通组公路" in body
    assert "大坪村茶叶基地" not in body  # not a beneficiary
    # The village user may open its own village's project, not the township's one.
    assert reverse("projects:detail", args=[own.pk]) in body
    assert reverse("projects:detail", args=[shared.pk]) not in body
    body = login("township").get(url).content.decode()
    assert reverse("projects:detail", args=[shared.pk]) in body
    assert other.name not in body
