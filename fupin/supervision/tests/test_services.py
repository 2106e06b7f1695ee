"""Rules of the other services: who may act (capability, scope), period validation of
task lists, completion rates, the contract for scoring, history of every write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from conftest import VILLAGE
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.core.models import ChangeRecord
from fupin.geo.models import Division, Level
from fupin.supervision import selectors, services
from fupin.supervision.choices import FindingStatus, PeriodKind
from fupin.supervision.models import Unit
from fupin.supervision.periods import period_end, period_start_error

pytestmark = pytest.mark.django_db

D = dt.date


def test_units_per_division_are_created_once(users, units):
    n_units = Unit.objects.count()
    assert n_units == 6  # 2 townships and 3 villages of the county, 1 department
    assert units["township"].name == "沱江镇人民政府"
    assert units["village"].name == "大坪村村民委员会"
    village = Division(code="431129100203", name="老县村委会", level=Level.VILLAGE)
    assert services.division_unit_name(village) == "老县村村民委员会"
    village.name = "春晓社区居委会"
    assert services.division_unit_name(village) == "春晓社区居民委员会"
    assert services.ensure_division_units(actor=users["county"], area_code="431129000000") == 0
    assert Unit.objects.count() == n_units
    assert ChangeRecord.objects.filter(object_type="supervision.unit").count() == n_units
    with pytest.raises(ValidationFailed):  # a village keeps its one unit
        services.unit_create(
            actor=users["county"],
            name="大坪村委",
            kind="village",
            area_code=VILLAGE,
            division=Division.objects.get(code=VILLAGE),
        )


def test_who_may_record_findings(users, units, inspection, make_finding):
    f = make_finding(units["village"], D(2020, 4, 30))
    assert history_of(units["village"]).filter(object_id=str(f.pk)).exists()
    for who in ("village", "township", "department", "cadre"):
        with pytest.raises(NotAllowed):
            services.finding_add(
                actor=users[who],
                inspection=inspection,
                unit=units["village"],
                description="x",
                category="data",
                severity="minor",
                found_on=D(2020, 3, 3),
                deadline=D(2020, 4, 3),
            )
    with pytest.raises(OutsideArea):
        services.finding_fail(actor=users["other_county"], finding=f, reason="x")


def test_finding_validation(users, units, inspection):
    with pytest.raises(ValidationFailed) as exc:
        services.finding_add(
            actor=users["inspector"],
            inspection=inspection,
            unit=units["village"],
            description="档案不全",
            category="data",
            severity="minor",
            found_on=D(2020, 3, 3),
            deadline=D(2020, 3, 1),
        )
    assert "deadline" in exc.value.errors


def test_only_the_units_own_staff_report_rectification(users, units, make_finding):
    f = make_finding(units["village"], D(2020, 4, 30))
    with pytest.raises(OutsideArea):
        services.rectification_submit(actor=users["neighbour"], finding=f, report="x")
    with pytest.raises(NotAllowed):  # inspectors verify, they do not rectify
        services.rectification_submit(actor=users["inspector"], finding=f, report="x")
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    rec = services.rectification_submit(
        actor=users["township"], finding=f, report="乡镇督促整改完成", upload=pdf
    )
    assert rec.size > 0 and rec.submitted_by_name == "township"
    f.refresh_from_db()
    assert f.status == FindingStatus.SUBMITTED
    with pytest.raises(services.FindingClosed):
        services.rectification_submit(actor=users["village"], finding=f, report="again")
    with pytest.raises(NotAllowed):
        services.rectification_verify(actor=users["village"], rectification=rec, accepted=True)
    with pytest.raises(ValidationFailed):  # a rejection says why
        services.rectification_verify(actor=users["inspector"], rectification=rec, accepted=False)


def test_bad_upload_is_refused_and_nothing_is_saved(users, units, make_finding):
    f = make_finding(units["village"], D(2020, 4, 30))
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    with pytest.raises(ValidationFailed):
        services.rectification_submit(actor=users["village"], finding=f, report="x", upload=exe)
    assert not f.rectifications.exists()


def test_escalation_decision_records_who_and_document(users, units, make_finding):
    from fupin.supervision.models import Escalation

    make_finding(units["village"], D(2020, 3, 1))
    services.escalate(as_of=D(2020, 4, 1))
    esc = Escalation.objects.get()
    with pytest.raises(ValidationFailed):
        services.escalation_decide(
            actor=users["county"], escalation=esc, state="issued", decided_on=D(2020, 4, 3)
        )
    with pytest.raises(NotAllowed):
        services.escalation_decide(
            actor=users["township"],
            escalation=esc,
            state="issued",
            decided_on=D(2020, 4, 3),
            document="江扶督〔2020〕3号",
        )
    services.escalation_decide(
        actor=users["county"],
        escalation=esc,
        state="issued",
        decided_on=D(2020, 4, 3),
        document="江扶督〔2020〕3号",
        notes="全县通报",
    )
    esc.refresh_from_db()
    assert (esc.decided_by_name, esc.document, esc.decided_on) == (
        "county",
        "江扶督〔2020〕3号",
        D(2020, 4, 3),
    )
    rec = history_of(units["village"]).filter(object_type="supervision.escalation").first()
    assert rec.changes["state"] == ["proposed", "issued"] and rec.user_name == "county"
    with pytest.raises(services.AlreadyDecided):
        services.escalation_decide(
            actor=users["county"],
            escalation=esc,
            state="waived",
            decided_on=D(2020, 4, 4),
            notes="x",
        )


@pytest.mark.parametrize(
    ("kind", "start", "ok"),
    [
        (PeriodKind.YEAR, D(2020, 1, 1), True),
        (PeriodKind.YEAR, D(2020, 2, 1), False),
        (PeriodKind.QUARTER, D(2020, 4, 1), True),
        (PeriodKind.QUARTER, D(2020, 5, 1), False),
        (PeriodKind.MONTH, D(2020, 5, 1), True),
        (PeriodKind.MONTH, D(2020, 5, 2), False),
        (PeriodKind.WEEK, D(2020, 6, 1), True),  # a Monday
        (PeriodKind.WEEK, D(2020, 6, 2), False),
    ],
)
def test_period_starts(kind, start, ok):
    assert (period_start_error(kind, start) is None) is ok


def test_period_ends():
    assert period_end(PeriodKind.QUARTER, D(2020, 10, 1)) == D(2020, 12, 31)
    assert period_end(PeriodKind.MONTH, D(2020, 2, 1)) == D(2020, 2, 29)
    assert period_end(PeriodKind.WEEK, D(2020, 6, 1)) == D(2020, 6, 7)


def test_task_list_refuses_a_quarter_not_on_a_quarter(users):
    with pytest.raises(ValidationFailed) as exc:
        services.task_list_create(
            actor=users["county"],
            title="第二季度任务",
            area_code="431129000000",
            period_kind="quarter",
            period_start=D(2020, 5, 1),
        )
    assert "period_start" in exc.value.errors


def _tasks(users, units):
    tl = services.task_list_create(
        actor=users["county"],
        title="2020年第二季度脱贫攻坚任务清单",
        area_code="431129000000",
        period_kind="quarter",
        period_start=D(2020, 4, 1),
    )
    with pytest.raises(ValidationFailed):  # due outside the quarter
        services.task_add(
            actor=users["county"],
            task_list=tl,
            unit=units["village"],
            title="x",
            due_date=D(2020, 7, 1),
        )
    a = services.task_add(
        actor=users["county"],
        task_list=tl,
        unit=units["village"],
        title="完成动态调整",
        due_date=D(2020, 5, 31),
    )
    b = services.task_add(
        actor=users["county"],
        task_list=tl,
        unit=units["village"],
        title="更新一户一档",
        due_date=D(2020, 6, 15),
    )
    c = services.task_add(
        actor=users["county"],
        task_list=tl,
        unit=units["neighbour"],
        title="入户核实",
        due_date=D(2020, 6, 30),
    )
    return tl, a, b, c


def test_task_completion_and_rates(users, units):
    _tl, a, b, _c = _tasks(users, units)
    with pytest.raises(OutsideArea):
        services.task_complete(actor=users["neighbour"], task=a, evidence="x")
    services.task_complete(
        actor=users["village"], task=a, evidence="台账已更新", today=D(2020, 5, 30)
    )
    services.task_complete(actor=users["village"], task=b, evidence="迟报", today=D(2020, 6, 20))
    with pytest.raises(services.AlreadyDecided):
        services.task_complete(actor=users["village"], task=a, evidence="again")
    assert selectors.task_completion_rate("431129000000", D(2020, 4, 1), D(2020, 6, 30)) == 1 / 3
    assert (
        selectors.task_completion_rate(units["village"].area_code, D(2020, 4, 1), D(2020, 6, 30))
        == 1 / 2
    )
    assert selectors.task_completion_rate("431129100", D(2020, 6, 1), D(2020, 6, 30)) == 0.0
    assert selectors.task_completion_rate("431129103000", D(2020, 4, 1), D(2020, 6, 30)) is None
    q2 = (D(2020, 4, 1), D(2020, 6, 30))
    assert selectors.unit_task_completion_rate(units["neighbour"].pk, *q2) == 0.0
    board = selectors.task_board(
        user=users["township"],
        kind="quarter",
        start=D(2020, 4, 1),
        end=D(2020, 6, 30),
        today=D(2020, 7, 5),
    )
    rates = {r.unit.pk: (r.total, r.on_time, r.overdue) for r in board["rates"]}
    assert rates == {units["village"].pk: (2, 1, 0), units["neighbour"].pk: (1, 0, 1)}
    # A village user sees the county's list only through its own tasks.
    mine = selectors.task_board(
        user=users["village"],
        kind="quarter",
        start=D(2020, 4, 1),
        end=D(2020, 6, 30),
        today=D(2020, 7, 5),
    )
    assert [len(ts) for _tl, ts in mine["lists"]] == [2]
    rec = history_of(a.task_list).filter(object_id=str(a.pk), action="update").get()
    assert rec.changes["completed_by_name"] == ["", "village"]


def test_findings_closed_rate(users, units, make_finding):
    v = units["village"]
    on_time = make_finding(v, D(2020, 4, 30))
    late = make_finding(v, D(2020, 4, 30))
    make_finding(units["neighbour"], D(2020, 5, 30))
    make_finding(units["township"], D(2021, 1, 30))  # outside the window
    for f, day in ((on_time, D(2020, 4, 28)), (late, D(2020, 5, 3))):
        rec = services.rectification_submit(
            actor=users["village"], finding=f, report="已整改", today=day
        )
        services.rectification_verify(
            actor=users["inspector"], rectification=rec, accepted=True, today=D(2020, 5, 5)
        )
    start, end = D(2020, 1, 1), D(2020, 12, 31)
    assert selectors.findings_closed_rate("431129000000", start, end) == 1 / 3
    assert selectors.findings_closed_rate("431129100201", start, end) == 1 / 2
    assert selectors.findings_closed_rate("431129103", start, end) is None
    services.finding_fail(actor=users["inspector"], finding=on_time, reason="整改不实")
    assert selectors.findings_closed_rate("431129100201", start, end) == 0.0
    # A county department: its own findings, not the county's.
    dept = units["department"]
    assert selectors.unit_findings_closed_rate(dept.pk, start, end) is None
    f = make_finding(dept, D(2020, 6, 30))
    rec = services.rectification_submit(
        actor=users["county"], finding=f, report="已整改", today=D(2020, 6, 1)
    )
    services.rectification_verify(actor=users["inspector"], rectification=rec, accepted=True)
    assert selectors.unit_findings_closed_rate(dept.pk, start, end) == 1.0
    assert selectors.findings_closed_rate(dept.area_code, start, end) == 1 / 4


def test_responsibility_list(users, units):
    item = services.responsibility_add(
        actor=users["county"],
        level="village",
        unit=units["village"],
        person_name="盘建国",
        post="村党支部书记",
        duty="对本村脱贫攻坚工作负总责",
        basis="《江华瑶族自治县脱贫攻坚责任制实施细则》",
    )
    with pytest.raises(NotAllowed):
        services.responsibility_add(
            actor=users["village"],
            level="village",
            unit=units["village"],
            person_name="x",
            post="x",
            duty="x",
        )
    assert list(selectors.responsibility_items(user=users["village"])) == [item]
    assert list(selectors.responsibility_items(user=users["neighbour"])) == []
    services.responsibility_retire(actor=users["inspector"], item=item, reason="人员调整")
    assert list(selectors.responsibility_items(user=users["village"])) == []
    recs = history_of(units["village"]).filter(object_type="supervision.responsibilityitem")
    assert recs.count() == 2


def test_marking_failed_rejects_a_pending_report_with_history(users, units, make_finding):
    f = make_finding(units["village"], D(2020, 4, 30))
    rec = services.rectification_submit(
        actor=users["village"], finding=f, report="已整改", today=D(2020, 4, 25)
    )
    services.finding_fail(
        actor=users["inspector"], finding=f, reason="复查发现弄虚作假", today=D(2020, 4, 28)
    )
    rec.refresh_from_db()
    assert rec.verdict == "rejected" and rec.verified_by_name == "inspector"
    changed = history_of(f).filter(object_type="supervision.rectification", action="update")
    assert changed.get().changes["verdict"] == ["pending", "rejected"]


def test_a_retired_unit_takes_no_new_findings(users, units, inspection):
    services.unit_update(
        actor=users["county"],
        unit=units["neighbour"],
        name="清塘村村民委员会",
        kind="village",
        active=False,
        reason="并村",
    )
    with pytest.raises(ValidationFailed) as exc:
        services.finding_add(
            actor=users["inspector"],
            inspection=inspection,
            unit=units["neighbour"],
            description="x",
            category="data",
            severity="minor",
            found_on=D(2020, 3, 3),
            deadline=D(2020, 4, 3),
        )
    assert "unit" in exc.value.errors


def test_finding_closed_speaks_the_language_of_the_request():
    # The default message is a class attribute: translated when shown, not at import.
    with translation.override("en"):
        assert str(services.FindingClosed().message) == "This finding is closed."
    with translation.override("zh-hans"):
        assert str(services.FindingClosed().message) == "该问题已办结。"
