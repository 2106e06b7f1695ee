"""The case workflows through the services: each procedure end to end, who may act,
no skipping, notices and objections, expiry, written notices, appeals, snapshots."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from pypdf import PdfReader

from conftest import NEIGHBOUR, VILLAGE
from fupin.cases import pdf, services
from fupin.cases.models import (
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    CaseStep,
    ObjectionStatus,
    StepDecision,
)
from fupin.cases.procedures import PROCEDURES, CaseKind
from fupin.cases.tests.helpers import (
    TODAY,
    do,
    make_household,
    post_notice,
    user_for,
    walk_to_end,
    walk_to_notice,
)
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def open_case(users, h, kind, today=TODAY):
    return services.case_open(actor=users["village"], household=h, kind=kind, today=today)


def finish_notice(users, cases, posted_on=TODAY):
    notice = post_notice(users, cases, posted_on=posted_on)
    moved = services.advance_expired_notices(notice.ends_on + dt.timedelta(days=1))
    assert moved == len(cases)
    return notice


def test_default_procedures_are_data():
    inclusion = [s.code for s in PROCEDURES[CaseKind.INCLUSION]]
    assert inclusion[-3:] == ["village_review", "township_review", "county_review"]
    assert [s.notice for s in PROCEDURES[CaseKind.INCLUSION]].count(True) == 1
    assert len(PROCEDURES[CaseKind.EXIT]) == 6
    assert [s.code for s in PROCEDURES[CaseKind.EXIT]][3] == "notice"


@pytest.mark.parametrize(
    ("kind", "start", "final"),
    [
        (CaseKind.INCLUSION, "candidate", "poor"),
        (CaseKind.EXIT, "poor", "exited"),
        (CaseKind.REMOVAL, "poor", "removed"),
        (CaseKind.RETURN, "exited", "returned"),
    ],
)
def test_each_procedure_end_to_end_changes_status_with_history(users, kind, start, final):
    h = make_household(users, "盘石生", "101", status=start, wages="3500")
    case = open_case(users, h, kind)
    assert case.status == CaseStatus.OPEN and case.decision is not None
    case = walk_to_notice(users, case)
    h.refresh_from_db()
    assert h.status == start  # nothing changes before the last step
    finish_notice(users, [case])
    case.refresh_from_db()
    case = walk_to_end(users, case)
    assert case.status == CaseStatus.PASSED
    h.refresh_from_db()
    assert h.status == final
    rec = ChangeRecord.objects.filter(object_type="registry.household", object_id=str(h.pk)).first()
    assert rec.changes["status"] == [start, final]
    assert f"{case.pk}" in rec.reason
    # Every step was recorded, each by someone of the step's role.
    done = list(case.records.order_by("id"))
    assert [r.step for r in done] == case.steps
    assert done[-1].actor.role == PROCEDURES[kind][-1].role
    assert done[PROCEDURES[kind].index(next(s for s in PROCEDURES[kind] if s.notice))].actor is None


def test_member_change_procedure_keeps_the_status(users):
    h = make_household(users, "盘石生", "101")
    case = open_case(users, h, CaseKind.MEMBER_CHANGE)
    case = walk_to_end(users, case)
    assert case.status == CaseStatus.PASSED
    h.refresh_from_db()
    assert h.status == "poor"


def test_wrong_role_and_outside_area_refused_at_every_step(users):
    h = make_household(users, "盘石生", "101", status="candidate")
    case = open_case(users, h, CaseKind.INCLUSION)
    while case.current_step is not None:
        step = case.current_step
        if step.notice:
            finish_notice(users, [case])
            case.refresh_from_db()
            continue
        right = user_for(users, case)
        for name in ("village", "township", "county", "inspector", "cadre", "department"):
            u = users[name]
            if u.role == right.role:
                continue
            with pytest.raises(NotAllowed):
                services.step_do(
                    actor=u, case=case, step=step.code, decision="approve", evidence="x"
                )
        for name in ("neighbour", "other_county"):
            with pytest.raises(OutsideArea):
                services.step_do(actor=users[name], case=case, step=step.code, evidence="x")
        case = do(users, case)
    assert case.status == CaseStatus.PASSED


def test_steps_cannot_be_skipped(users):
    h = make_household(users, "盘石生", "101")
    case = open_case(users, h, CaseKind.EXIT)
    with pytest.raises(services.StepOutOfOrder):
        services.step_do(actor=users["village"], case=case, step="confirmation", evidence="x")
    case = walk_to_notice(users, case)
    # The notice step only passes through its notice: nobody does it by hand.
    with pytest.raises(NotAllowed):
        services.step_do(actor=users["village"], case=case, step="notice", evidence="x")
    with pytest.raises(services.StepOutOfOrder):
        services.step_do(actor=users["county"], case=case, step="filing", decision="approve")
    assert case.records.count() == 3


def test_review_return_needs_reason_and_goes_back_one_step(users):
    h = make_household(users, "盘石生", "101")
    case = walk_to_notice(users, open_case(users, h, CaseKind.EXIT))
    finish_notice(users, [case])
    case.refresh_from_db()
    assert case.current_step.code == "filing"
    with pytest.raises(ValidationFailed):
        services.step_do(actor=users["county"], case=case, step="filing", decision="return")
    case = services.step_do(
        actor=users["county"], case=case, step="filing", decision="return", reason="材料不全"
    )
    assert case.status == CaseStatus.RETURNED
    assert case.current_step.code == "notice"


def test_evidence_file_is_stored_with_the_step(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    h = make_household(users, "盘石生", "101")
    case = open_case(users, h, CaseKind.EXIT)
    scan = SimpleUploadedFile("sign.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    services.step_do(
        actor=users["village"], case=case, step="deliberation", evidence="评议会", upload=scan
    )
    rec = CaseStep.objects.get(case=case)
    assert rec.file.name.startswith(f"cases/{VILLAGE}/{case.pk}/")
    assert rec.actor_name == "village" and rec.size == len(b"%PDF-1.4 signed")
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    with pytest.raises(ValidationFailed):
        services.step_do(
            actor=users["township"], case=case, step="verification", evidence="x", upload=bad
        )


def test_open_objection_blocks_until_resolved(users):
    a = make_household(users, "盘石生", "101")
    b = make_household(users, "李秀英", "102")
    ca = walk_to_notice(users, open_case(users, a, CaseKind.EXIT))
    cb = walk_to_notice(users, open_case(users, b, CaseKind.EXIT))
    notice = post_notice(users, [ca, cb])
    assert notice.days == 7 and notice.ends_on == TODAY + dt.timedelta(days=6)
    with pytest.raises(ValidationFailed):  # outside the period
        services.objection_add(
            actor=users["cadre"],
            notice=notice,
            cases=[ca],
            text="x",
            received_on=notice.ends_on + dt.timedelta(days=1),
        )
    with pytest.raises(OutsideArea):
        services.objection_add(
            actor=users["neighbour"], notice=notice, cases=[ca], text="x", received_on=TODAY
        )
    obj = services.objection_add(
        actor=users["cadre"],
        notice=notice,
        cases=[ca],
        text="他家有小轿车",
        received_on=TODAY + dt.timedelta(days=2),
    )
    # The last day of the period: nothing moves yet.
    assert services.advance_expired_notices(notice.ends_on) == 0
    assert services.advance_expired_notices(notice.ends_on + dt.timedelta(days=1)) == 1
    ca.refresh_from_db()
    cb.refresh_from_db()
    assert ca.current_step.code == "notice" and cb.current_step.code == "filing"
    notice.refresh_from_db()
    assert notice.completed_at is None
    with pytest.raises(NotAllowed):  # village staff do not verify objections to their notice
        services.objection_resolve(
            actor=users["village"], objection=obj, upheld=False, resolution="x"
        )
    services.objection_resolve(
        actor=users["township"], objection=obj, upheld=False, resolution="核实为亲戚的车"
    )
    assert services.advance_expired_notices(notice.ends_on + dt.timedelta(days=3)) == 1
    ca.refresh_from_db()
    assert ca.current_step.code == "filing"
    notice.refresh_from_db()
    assert notice.completed_at is not None


def test_upheld_objection_sends_the_case_back(users):
    a = make_household(users, "盘石生", "101")
    ca = walk_to_notice(users, open_case(users, a, CaseKind.EXIT))
    notice = post_notice(users, [ca])
    obj = services.objection_add(
        actor=users["village"], notice=notice, cases=[ca], text="收入不实", received_on=TODAY
    )
    services.objection_resolve(
        actor=users["township"], objection=obj, upheld=True, resolution="收入核实有误"
    )
    assert obj.__class__.objects.get(pk=obj.pk).status == ObjectionStatus.UPHELD
    ca.refresh_from_db()
    assert ca.status == CaseStatus.RETURNED and ca.current_step.code == "confirmation"
    assert services.advance_expired_notices(notice.ends_on + dt.timedelta(days=1)) == 0
    ca.refresh_from_db()
    assert ca.current_step.code == "confirmation"
    # Back at the notice step it needs a new notice; the old one does not move it.
    ca = do(users, ca)
    assert services.advance_expired_notices(notice.ends_on + dt.timedelta(days=2)) == 0
    second = post_notice(users, [ca], posted_on=notice.ends_on + dt.timedelta(days=3))
    assert services.advance_expired_notices(second.ends_on + dt.timedelta(days=1)) == 1


def test_advance_notices_command_with_explicit_date(users):
    a = make_household(users, "盘石生", "101")
    ca = walk_to_notice(users, open_case(users, a, CaseKind.EXIT))
    notice = post_notice(users, [ca])
    out = io.StringIO()
    call_command("cases", "advance-notices", "--date", str(notice.ends_on), stdout=out)
    ca.refresh_from_db()
    assert ca.current_step.code == "notice"
    call_command(
        "cases", "advance-notices", "--date", str(notice.ends_on + dt.timedelta(1)), stdout=out
    )
    ca.refresh_from_db()
    assert ca.current_step.code == "filing"
    assert "1" in out.getvalue()


def test_notice_needs_cases_at_the_notice_step(users):
    a = make_household(users, "盘石生", "101")
    ca = open_case(users, a, CaseKind.EXIT)
    with pytest.raises(ValidationFailed):
        post_notice(users, [ca])
    ca = walk_to_notice(users, ca)
    with pytest.raises(NotAllowed):
        services.notice_create(
            actor=users["township"], village_code=VILLAGE, cases=[ca], posted_on=TODAY, phone="1"
        )
    post_notice(users, [ca])
    with pytest.raises(ValidationFailed):  # already on a notice
        post_notice(users, [ca])


def test_notice_poster_pdf_names_phone_end_date(users):
    a = make_household(users, "盘石生", "101")
    b = make_household(users, "李秀英", "102")
    cases = [walk_to_notice(users, open_case(users, h, CaseKind.EXIT)) for h in (a, b)]
    notice = post_notice(users, cases, phone="0746-2345678")
    for size in ("A4", "A3"):
        data = pdf.notice_poster(notice, cases, size=size)
        text = pdf_text(data)
        assert "盘石生" in text and "李秀英" in text
        assert "0746-2345678" in text and str(notice.ends_on) in text
        assert "公示" in text and "脱贫退出" in text
    a4 = PdfReader(io.BytesIO(pdf.notice_poster(notice, cases, "A4"))).pages[0].mediabox
    a3 = PdfReader(io.BytesIO(pdf.notice_poster(notice, cases, "A3"))).pages[0].mediabox
    assert float(a3.width) > float(a4.width)


def _car_finding(h):
    from fupin.compare.models import ComparisonRun, Finding

    run = ComparisonRun.objects.create(kind="vehicles", file_name="cars.xlsx", area_code=VILLAGE)
    return Finding.objects.create(
        household=h,
        kind="vehicles",
        rule="EXCL_VEHICLE",
        summary="湘M12345 小型轿车",
        run=run,
        fingerprint=f"{h.pk:064d}",
        status="confirmed",
    )


def _remove(users, h):
    case = walk_to_notice(users, open_case(users, h, CaseKind.REMOVAL))
    finish_notice(users, [case])
    case.refresh_from_db()
    return walk_to_end(users, case)


def test_removal_written_notice_names_failed_clauses_and_appeal(users):
    h = make_household(users, "盘石生", "101", wages="3500")
    _car_finding(h)
    case = _remove(users, h)
    assert case.written_notice_on == TODAY
    assert case.appeal_until == TODAY + dt.timedelta(days=15)
    codes = [c["code"] for c in case.failed_clauses]
    assert "EXCL_VEHICLE" in codes
    text = pdf_text(pdf.written_notice(case))
    assert "告知书" in text and "盘石生" in text
    for c in case.failed_clauses:
        assert c["text"][:8] in text
    assert "湘M12345" in text  # the values used
    assert str(case.appeal_until) in text and "沱江镇" in text


def test_refused_inclusion_gets_a_written_notice(users):
    h = make_household(users, "盘石生", "101", status="candidate", wages="3500")
    case = walk_to_notice(users, open_case(users, h, CaseKind.INCLUSION))
    finish_notice(users, [case])
    case.refresh_from_db()
    case = do(users, case)  # village approves
    # Not the township user who re-checked the data (four eyes): a second one reviews.
    reviewer = user_for(users, case)
    assert reviewer != users["township"]
    with pytest.raises(ValidationFailed):
        services.step_do(actor=reviewer, case=case, step="township_review", decision="reject")
    case = services.step_do(
        actor=reviewer,
        case=case,
        step="township_review",
        decision="reject",
        reason="人均纯收入高于标准",
        today=TODAY,
    )
    assert case.status == CaseStatus.REJECTED and case.written_notice_on == TODAY
    h.refresh_from_db()
    assert h.status == "candidate"
    text = pdf_text(pdf.written_notice(case))
    assert "人均纯收入高于标准" in text
    failed = case.failed_clauses
    assert failed and all(c["text"][:8] in text for c in failed)
    assert "3500" in text


def test_appeal_path(users):
    h = make_household(users, "盘石生", "101", wages="3500")
    _car_finding(h)
    case = _remove(users, h)
    with pytest.raises(ValidationFailed):  # too late
        services.appeal_file(
            actor=users["village"],
            case=case,
            appellant="盘石生",
            grounds="车是借的",
            filed_on=case.appeal_until + dt.timedelta(days=1),
        )
    first = services.appeal_file(
        actor=users["village"], case=case, appellant="盘石生", grounds="车是借的", filed_on=TODAY
    )
    assert first.level == "township_station" and first.due_on == TODAY + dt.timedelta(days=15)
    with pytest.raises(NotAllowed):  # the county does not take the first appeal
        services.appeal_decide(actor=users["county"], appeal=first, upheld=True, outcome="x")
    services.appeal_decide(
        actor=users["township"], appeal=first, upheld=False, outcome="车辆登记在其名下"
    )
    second = services.appeal_file(
        actor=users["village"], case=case, appellant="盘石生", grounds="再次申诉", filed_on=TODAY
    )
    assert second.level == "county_office"
    with pytest.raises(NotAllowed):
        services.appeal_decide(actor=users["township"], appeal=second, upheld=True, outcome="x")
    services.appeal_decide(
        actor=users["county"], appeal=second, upheld=True, outcome="车辆已于2015年转让"
    )
    second.refresh_from_db()
    assert second.status == AppealStatus.UPHELD
    case.refresh_from_db()
    h.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.current_step.code == "county_review"
    assert h.status == "poor"  # the removal is undone while the review decides again
    with pytest.raises(ValidationFailed):  # no third appeal
        services.appeal_file(
            actor=users["village"], case=case, appellant="盘石生", grounds="x", filed_on=TODAY
        )
    case = services.step_do(
        actor=users["county"], case=case, step="county_review", decision="reject", reason="撤销清退"
    )
    h.refresh_from_db()
    assert case.status == CaseStatus.REJECTED and h.status == "poor"


def test_second_appeal_period_runs_from_the_local_day_of_the_dismissal(users):
    # Dismissed at 07:00 in China, 23:00 UTC the day before: the period of the second
    # appeal counts from the local day (it counted from the UTC day, one day short).
    h = make_household(users, "盘石生", "101", wages="3500")
    _car_finding(h)
    case = _remove(users, h)
    first = services.appeal_file(
        actor=users["village"], case=case, appellant="盘石生", grounds="车是借的", filed_on=TODAY
    )
    services.appeal_decide(
        actor=users["township"], appeal=first, upheld=False, outcome="车辆登记在其名下"
    )
    morning = dt.datetime.combine(TODAY, dt.time(7), tzinfo=ZoneInfo("Asia/Shanghai"))
    Appeal.objects.filter(pk=first.pk).update(decided_at=morning)
    last_day = TODAY + dt.timedelta(days=services.appeal_days_for(h.village_id, TODAY))
    second = services.appeal_file(
        actor=users["village"], case=case, appellant="盘石生", grounds="再次申诉", filed_on=last_day
    )
    assert second.level == "county_office"


def test_policy_change_does_not_alter_a_decided_case(users):
    from fupin.policy.evaluation import evaluate_household
    from fupin.policy.selectors import current_policy
    from fupin.policy.services import policy_new_version

    h = make_household(users, "盘石生", "101", wages="3000")
    case = walk_to_notice(users, open_case(users, h, CaseKind.EXIT))
    finish_notice(users, [case])
    case.refresh_from_db()
    case = walk_to_end(users, case)
    snapshot = dict(case.decision)
    assert snapshot["eligible"] is True
    national = current_policy(VILLAGE, on=TODAY)
    policy_new_version(
        actor=users["county"],
        base=national,
        data={"income_line": Decimal("3200"), "effective_from": TODAY},
        reason="县定标准",
        region_code="431129000000",
    )
    # New evaluations change; the decided case keeps its decision.
    assert evaluate_household(h, test="exit", on=TODAY).eligible is False
    case = Case.objects.get(pk=case.pk)
    assert case.decision == snapshot and case.status == CaseStatus.PASSED
    h.refresh_from_db()
    assert h.status == "exited"


def test_a_years_exit_batch_for_a_village(users):
    ready = [make_household(users, f"户主{i}", f"2{i:02d}", wages="3600") for i in range(5)]
    not_ready = make_household(users, "张三", "301", wages="2000")
    housing = make_household(users, "李四", "302", wages="4000", housing_secured=False)
    already = make_household(users, "王五", "303", status="exited")
    elsewhere = make_household(users, "赵六", "304", village=NEIGHBOUR)
    with pytest.raises(OutsideArea):
        services.batch_open(
            actor=users["neighbour"], village_code=VILLAGE, kind="exit", today=TODAY
        )
    out = io.StringIO()
    call_command(
        "cases",
        "open-batch",
        "--village",
        VILLAGE,
        "--kind",
        "exit",
        "--user",
        "village",
        "--date",
        str(TODAY),
        stdout=out,
    )
    cases = list(Case.objects.filter(kind="exit").order_by("household_id"))
    assert [c.household_id for c in cases] == [h.pk for h in ready]
    assert {c.batch_id for c in cases} == {cases[0].batch_id} and cases[0].batch_id
    assert "5" in out.getvalue()
    # A second batch does not open the same households again.
    _, again, skipped = services.batch_open(
        actor=users["village"], village_code=VILLAGE, kind="exit", today=TODAY
    )
    assert again == [] and {h.pk for h, _ in skipped} == {not_ready.pk, housing.pk}
    # The whole year's list walks through, one notice for the village.
    cases = [walk_to_notice(users, c) for c in cases]
    finish_notice(users, cases)
    for c in cases:
        c.refresh_from_db()
        walk_to_end(users, c)
    statuses = dict(Household.objects.values_list("pk", "status"))
    assert all(statuses[h.pk] == "exited" for h in ready)
    assert statuses[not_ready.pk] == "poor" and statuses[housing.pk] == "poor"
    assert statuses[already.pk] == "exited" and statuses[elsewhere.pk] == "poor"


def test_overdue_cases_listed_per_area(users):
    from fupin.cases import selectors

    a = make_household(users, "盘石生", "101")
    b = make_household(users, "赵六", "304", village=NEIGHBOUR)
    ca = open_case(users, a, CaseKind.EXIT)
    services.case_open(actor=users["neighbour"], household=b, kind="exit", today=TODAY)
    later = ca.step_due_on + dt.timedelta(days=1)
    assert selectors.overdue_by_village(user=users["village"], today=ca.step_due_on) == []
    rows = selectors.overdue_by_village(user=users["township"], today=later)
    assert [(r["village__code"], r["count"]) for r in rows] == [
        (VILLAGE, 1),
        (NEIGHBOUR, 1),
    ]
    assert len(selectors.overdue_by_village(user=users["village"], today=later)) == 1


def test_one_status_case_at_a_time_and_status_preconditions(users):
    h = make_household(users, "盘石生", "101")
    with pytest.raises(ValidationFailed):
        open_case(users, h, CaseKind.INCLUSION)  # already poor
    open_case(users, h, CaseKind.EXIT)
    with pytest.raises(ValidationFailed):
        open_case(users, h, CaseKind.REMOVAL)
    with pytest.raises(NotAllowed):
        services.case_open(actor=users["cadre"], household=h, kind="member_change")
    assert StepDecision.NOTICE_ENDED


def test_a_households_cases_move_with_it_to_another_village(users):
    from fupin.cases import selectors
    from fupin.registry import services as registry_services

    h = make_household(users, "盘石生", "101")
    case = open_case(users, h, CaseKind.EXIT)
    assert case.village_id == VILLAGE
    records_before = ChangeRecord.objects.filter(object_type="cases.case").count()
    registry_services.household_update(
        actor=users["township"], household=h, data={"village": NEIGHBOUR}, reason="moved"
    )
    case.refresh_from_db()
    assert case.village_id == NEIGHBOUR
    # The lists and the scope follow: the old village's staff no longer see the case,
    # the new village's do, and a list filtered by village finds it under its new one.
    assert selectors.case_list(user=users["village"], filters=selectors.CaseFilters()) == []
    assert selectors.case_list(user=users["neighbour"], filters=selectors.CaseFilters()) == [case]
    by_village = selectors.CaseFilters(village=NEIGHBOUR)
    assert selectors.case_list(user=users["township"], filters=by_village) == [case]
    # The move is the household's change; the case's copy of the village is not history.
    assert ChangeRecord.objects.filter(object_type="cases.case").count() == records_before
    opened = ChangeRecord.objects.filter(object_type="cases.case").last()
    assert "village_id" not in opened.post_data
