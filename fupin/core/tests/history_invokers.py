"""For the history walk (test_history_walk): the writing services that the authority
table walk does not call. `INVOKERS`: name → `fn(users)`, which prepares what it needs in
conftest.VILLAGE (a household with one member, registered by the services) and calls the
real services as users of `users`. One invoker may walk several services in turn;
the walk sees which ones wrote."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import VILLAGE, make_id, member_data
from fupin.registry import choices as rc

COUNTY = "431129000000"
D = dt.date(2024, 3, 1)


def _household(users):
    from conftest import HOUSEHOLD_DATA, registered_household
    from fupin.registry import services

    h = registered_household(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA), reason="登记"
    )
    services.member_add(
        actor=users["village"], household=h, data=member_data(), date=dt.date(2016, 3, 1)
    )
    return h


def registry(users) -> None:
    household = _household(users)
    from fupin.registry import services

    actor = users["village"]
    services.household_update(
        actor=actor, household=household, data={"address": "大坪村一组13号"}, reason="门牌"
    )
    head = household.members.get()
    services.member_update(actor=actor, member=head, data={"name": "盘石"}, reason="更名")
    spouse = services.member_add(
        actor=actor,
        household=household,
        data=member_data(id_number=make_id(seq="924"), name="赵桂花", sex="F", relation="spouse"),
    )
    child = services.member_add(
        actor=actor,
        household=household,
        data=member_data(id_number=make_id(seq="925"), name="盘小", relation="son"),
    )
    services.member_leave(
        actor=actor,
        member=child,
        kind=rc.MemberChangeKind.DEATH,
        date=dt.date(2020, 5, 1),
        reason="病故",
    )
    services.household_split(
        actor=actor,
        household=household,
        members=[spouse],
        head=spouse,
        date=dt.date(2021, 1, 1),
        reason="分户",
    )
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    services.attachment_add(
        actor=actor, household=household, kind="signed_scan", title="申请书", upload=upload
    )


def assistance(users) -> None:
    household = _household(users)
    from fupin.assistance import selectors, services

    admin, county = users["admin"], users["county"]

    def cadre(name):
        data = {"name": name, "unit": "县扶贫办", "rank": "ordinary", "home_area_id": VILLAGE}
        return services.cadre_create(actor=admin, data=data)

    first, second = cadre("干部甲"), cadre("干部乙")
    pairing = services.pairing_create(
        actor=county, cadre=first, household=household, kind="contact", start_date=D
    )
    services.visit_record(
        actor=county, cadre=first, household=household, date=D, purpose="follow_up", notes="好"
    )
    services.pairing_end(actor=county, pairing=pairing, date=D, reason="调整")
    services.pairing_create(
        actor=county, cadre=first, household=household, kind="contact", start_date=D
    )
    services.cadre_leave(actor=county, cadre=first, date=D, reason="退休", successor=second)
    services.pairing_end(
        actor=county, pairing=second.pairings.get(end_date__isnull=True), date=D, reason="调整"
    )
    services.apply_proposal(
        actor=county, proposal=selectors.propose(area_prefix=VILLAGE), start_date=D
    )
    services.work_team_create(
        actor=county, unit="县农业农村局", village_code=VILLAGE, members=[second], leader=second
    )
    services.directory_entry_add(
        actor=county, area_code=VILLAGE, name="李主任", post="村主任", phone="13807460001"
    )
    services.household_plan_save(actor=county, household=household, goals="脱贫")
    services.household_plan_save(actor=county, household=household, goals="稳定脱贫")
    services.village_plan_save(actor=county, village_code=VILLAGE, goals="出列")
    services.village_plan_save(actor=county, village_code=VILLAGE, goals="巩固")
    services.measure_add(
        actor=county,
        household=household,
        kind="industry",
        amount=Decimal("500"),
        date=D,
        provider="县农业农村局",
    )
    services.assistance_policy_save(
        actor=users["admin"],
        region_code=COUNTY,
        max_households=5,
        visit_interval_days=30,
        rank_quotas={},
        reason="县定",
    )


def cases(users) -> None:
    from fupin.cases import services
    from fupin.cases.procedures import CaseKind
    from fupin.cases.tests.helpers import TODAY, make_household, post_notice, walk_to_notice

    services.batch_open(actor=users["village"], village_code=VILLAGE, kind="exit", today=TODAY)
    h = make_household(users, "李秀英", "931", wages="3600")
    case = services.case_open(actor=users["village"], household=h, kind=CaseKind.EXIT, today=TODAY)
    case = walk_to_notice(users, case)
    notice = post_notice(users, [case])
    services.objection_add_public(
        notice=notice, cases=[case], text="收入不实", reporter="群众", today=TODAY
    )
    services.advance_expired_notices(today=notice.ends_on + dt.timedelta(days=1))


def household_move(users) -> None:
    """A household with a case moves to another village: its cases follow it
    (cases.services.follow_households, through registry.hooks)."""
    from conftest import NEIGHBOUR
    from fupin.cases import services as case_services
    from fupin.cases.procedures import CaseKind
    from fupin.cases.tests.helpers import TODAY, make_household
    from fupin.registry import services

    h = make_household(users, "李秀英", "932", wages="3600")
    case_services.case_open(actor=users["village"], household=h, kind=CaseKind.EXIT, today=TODAY)
    services.household_update(
        actor=users["township"], household=h, data={"village": NEIGHBOUR}, reason="易地搬迁"
    )


def appeals(users) -> None:
    from fupin.cases import services
    from fupin.cases.procedures import CaseKind
    from fupin.cases.tests.helpers import (
        TODAY,
        make_household,
        post_notice,
        walk_to_end,
        walk_to_notice,
    )
    from fupin.compare.models import ComparisonRun, Finding

    h = make_household(users, "王五", "932", wages="3500")
    run = ComparisonRun.objects.create(kind="vehicles", file_name="cars.xlsx", area_code=VILLAGE)
    Finding.objects.create(
        household=h,
        kind="vehicles",
        rule="EXCL_VEHICLE",
        summary="湘M12345 小型轿车",
        run=run,
        fingerprint=f"{h.pk:064d}",
        status="confirmed",
    )
    case = walk_to_notice(
        users,
        services.case_open(actor=users["village"], household=h, kind=CaseKind.REMOVAL, today=TODAY),
    )
    notice = post_notice(users, [case])
    services.advance_expired_notices(today=notice.ends_on + dt.timedelta(days=1))
    case.refresh_from_db()
    case = walk_to_end(users, case)
    appeal = services.appeal_file(
        actor=users["village"], case=case, appellant="王五", grounds="车是借的", filed_on=TODAY
    )
    services.appeal_decide(actor=users["township"], appeal=appeal, upheld=False, outcome="属实")


def tips(users) -> None:
    from fupin.tips import services

    tip, _code = services.tip_submit_public(area_code=VILLAGE, content="优亲厚友")
    tip.refresh_from_db()
    services.tip_assign(actor=users["county"], tip=tip, verifier=users["township"])
    services.tip_start_verification(actor=users["township"], tip=tip)


def funds(users) -> None:
    from fupin.funds import services

    source = services.source_create(actor=users["admin"], kind="central", name="专项资金")
    allocation = services.allocation_create(
        actor=users["county"], source=source, area_code=COUNTY, year=2018, amount="1000.00"
    )
    services.allocation_adjust(
        actor=users["county"], allocation=allocation, amount="900.00", reason="调减"
    )


def projects(users) -> None:
    household = _household(users)
    from fupin.projects import services
    from fupin.projects.tests.helpers import propose

    project = propose(users["village"])
    services.project_update(
        actor=users["village"], project=project, data={"name": "新名称"}, reason="更正"
    )
    services.beneficiaries_set(
        actor=users["village"], project=project, household_ids=[household.pk]
    )
    services.beneficiaries_set(actor=users["village"], project=project, household_ids=[])


def policy(users) -> None:
    from fupin.policy.selectors import current_policy
    from fupin.policy.services import policy_new_version

    policy_new_version(
        actor=users["county"],
        base=current_policy(VILLAGE, on=dt.date(2016, 6, 1)),
        data={"income_line": Decimal("3200"), "effective_from": dt.date(2016, 7, 1)},
        reason="县定标准",
        region_code=COUNTY,
    )


def geo(users) -> None:
    from fupin.geo.models import VillageProfile
    from fupin.geo.services import load_divisions_csv, village_profile_update

    village_profile_update(
        profile=VillageProfile.objects.get(village_id=VILLAGE),
        actor=users["township"],
        reason="年度调查",
        data={"is_poor_village": True, "rural_population": 1234},
    )
    load_divisions_csv("code,name\n431129100203,新村\n")


INVOKERS: dict[str, Callable] = {
    f.__name__: f
    for f in (
        registry,
        assistance,
        cases,
        household_move,
        appeals,
        tips,
        funds,
        projects,
        policy,
        geo,
    )
}


def scoring(users) -> None:
    from fupin.scoring import services
    from fupin.scoring.tests.conftest import EVIDENCE, ITEMS, points_for

    county = users["county"]
    sheet = services.sheet_create(
        actor=county, region_code=COUNTY, data={"name": "村级考评细则", "year": 2024}, items=ITEMS
    )
    sheet = services.sheet_update(
        actor=county,
        sheet=sheet,
        data={"name": sheet.name, "year": 2024, "yellow_threshold": "80"},
        items=[*ITEMS[:2], {**ITEMS[2], "max_points": "40"}],  # A4 removed
        reason="调整",
    )
    rnd = services.round_create(
        actor=county,
        sheet=sheet,
        area_code=COUNTY,
        name="2024年第1轮",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 1, 28),
    )
    services.score_record(
        actor=county,
        round=rnd,
        village_code=VILLAGE,
        points={k: v for k, v in points_for("90").items() if k != "A4"},
        evidence=EVIDENCE,
        scored_on=rnd.period_end,
    )
    services.refresh_village(actor=county, village_code=VILLAGE, reason="重算")
    scheme = services.scheme_save(
        actor=county,
        region_code=COUNTY,
        data={"name": "乡镇绩效考核", "year": 2024},
        indicators=[
            {"source": "income_growth", "weight": "2"},
            {"source": "findings_closed", "weight": "1"},
        ],
    )
    scheme = services.scheme_save(
        actor=county,
        scheme=scheme,
        region_code=COUNTY,
        data={"name": scheme.name, "year": 2024},
        indicators=[{"source": "income_growth", "weight": "3"}],
        reason="权重调整",
    )
    services.performance_compute(
        actor=county,
        scheme=scheme,
        start=dt.date(2024, 1, 1),
        end=dt.date(2024, 6, 30),
        values={("431129100000", "income_growth"): Decimal("10")},
    )


def supervision(users) -> None:
    from fupin.supervision import services
    from fupin.supervision.models import Escalation, Unit
    from fupin.supervision.tests.authority_invokers import finding_for

    county, inspector = users["county"], users["inspector"]
    dept = services.unit_create(
        actor=county, name="县农业农村局", kind="department", area_code=COUNTY
    )
    services.unit_update(actor=county, unit=dept, name="县农业局", kind="department", active=True)
    finding = finding_for(users)
    services.finding_fail(
        actor=inspector, finding=finding, reason="整改弄虚作假", today=dt.date(2020, 6, 3)
    )
    finding_for(users)
    services.escalate(as_of=dt.date(2020, 12, 31))
    services.escalation_decide(
        actor=county,
        escalation=Escalation.objects.filter(state="proposed").first(),
        state="issued",
        decided_on=dt.date(2021, 1, 3),
        document="江扶督〔2021〕3号",
    )
    village = Unit.objects.get(division_id=VILLAGE)
    task_list = services.task_list_create(
        actor=county,
        title="2020年第二季度任务清单",
        area_code=COUNTY,
        period_kind="quarter",
        period_start=dt.date(2020, 4, 1),
    )
    task = services.task_add(
        actor=county,
        task_list=task_list,
        unit=village,
        title="动态调整",
        due_date=dt.date(2020, 6, 30),
    )
    services.task_complete(actor=users["village"], task=task, evidence="已完成")
    item = services.responsibility_add(
        actor=county,
        level="village",
        unit=village,
        person_name="盘建国",
        post="村党支部书记",
        duty="负总责",
    )
    services.responsibility_retire(actor=county, item=item, reason="换届")


def monitoring(users) -> None:
    from fupin.cases.tests.helpers import TODAY, make_household
    from fupin.monitoring import services
    from fupin.monitoring.models import RiskLevel, RiskType
    from fupin.monitoring.tests.authority_invokers import _warning, next_seq

    warning = _warning(users)
    department = users["department"]
    department.unit = "医保局"  # the department an illness warning is routed to
    department.save()
    services.measure_add(actor=department, warning=warning, description="医疗救助", taken_on=TODAY)
    services.warning_eliminate(actor=users["county"], warning=warning, note="收入稳定")
    warning.refresh_from_db()
    services.warning_review(
        actor=users["county"], warning=warning, worked="及时救助", not_worked=""
    )
    # Seqs from the monitoring invokers' own counter: a fixed one collided with theirs
    # once a process had made 41 of their households (a test run in another order).
    h = make_household(users, "赵六", f"{next_seq():03d}", wages="9000", status="exited")
    head = h.members.get()
    services.warning_submit_public(
        household_number=h.number,
        id_number=head.id_number,
        cause=RiskType.ILLNESS,
        evidence="住院",
    )
    # income under the line
    make_household(users, "钱七", f"{next_seq():03d}", wages="1000", status="exited")
    assert services.scan(today=TODAY).created
    services.disaster(
        area=VILLAGE, cause=RiskType.DISASTER, level=RiskLevel.SERIOUS, evidence="洪灾"
    )


def assessment(users) -> None:
    from fupin.assessment import services
    from fupin.assessment.models import SampleUnit

    _household(users)
    inspector = users["inspector"]
    a = services.assessment_create(actor=inspector, county_code=COUNTY, seed=1)
    services.sample_draw(actor=inspector, assessment=a)
    for u in SampleUnit.objects.filter(assessment=a):
        data = {"surveyor": "甲", "surveyed_on": dt.date(2025, 11, 1), "approves": True}
        data["exit_correct" if u.stratum == "exited" else "is_poor"] = True
        services.response_record(actor=inspector, unit=u, data=data)
    services.assessment_finish(actor=inspector, assessment=a)


def indicators(users) -> None:
    from fupin.indicators import services

    _household(users)
    services.snapshot_create(actor=users["county"], area_code="431129", as_of=D)


INVOKERS.update({f.__name__: f for f in (scoring, supervision, monitoring, assessment, indicators)})


def microcredit(users) -> None:
    from fupin.microcredit.tests.authority_invokers import history

    history(users)


INVOKERS["microcredit"] = microcredit


def employment(users) -> None:
    from fupin.employment.tests.authority_invokers import history

    history(users)


def relocation(users) -> None:
    from fupin.relocation.tests.authority_invokers import history

    history(users)


INVOKERS["employment"] = employment
INVOKERS["relocation"] = relocation


def ledgers(users) -> None:
    from fupin.industry.tests.authority_invokers import history

    history(users)


INVOKERS["training and industry"] = ledgers


def education(users) -> None:
    from fupin.education.tests.authority_invokers import history

    history(users)


def health(users) -> None:
    from fupin.health.tests.authority_invokers import history

    history(users)


INVOKERS.update({"education": education, "health": health})


def teams(users) -> None:
    from fupin.teams.tests.authority_invokers import history

    _household(users)
    history(users)


INVOKERS["teams"] = teams


def leaders(users) -> None:
    """A county leader's contact point: linked, a visit report with its scan, the
    county's rule set then changed, the link ended."""
    from fupin.assistance import services as assistance
    from fupin.leaders import services
    from fupin.leaders.choices import Period, Target

    county = users["county"]
    leader = assistance.cadre_create(
        actor=users["admin"],
        data={
            "name": "李县长",
            "unit": "江华瑶族自治县人民政府",
            "rank": "county",
            "home_area_id": COUNTY,
        },
    )
    link = services.link_create(
        actor=county,
        leader=leader,
        area_code=VILLAGE[:9] + "000",
        start_date=dt.date(2025, 1, 1),
        duties="联系乡镇",
        reason="三层联系",
    )
    scan = SimpleUploadedFile("report.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    services.report_record(
        actor=users["township"],
        link=link,
        date=dt.date(2025, 3, 1),
        place="镇政府",
        content="调度产业项目",
        photo=scan,
    )
    for visits in (2, 3):
        services.rule_save(
            actor=county,
            region_code=COUNTY,
            target=Target.TOWNSHIP,
            period=Period.QUARTER,
            visits_required=visits,
            reason="县委办通知",
        )
    services.link_end(actor=county, link=link, end_date=dt.date(2025, 6, 30), reason="调任")


def assessment_of_cadres(users) -> None:
    """The yearly assessment of paired cadres: a scheme made and edited in place, a
    manual item entered and corrected, a run computed (the scheme is frozen), then an
    edit that makes its next version."""
    household = _household(users)
    from fupin.assistance import services as assistance
    from fupin.scoring import services

    county = users["county"]
    cadre = assistance.cadre_create(
        actor=users["admin"],
        data={"name": "干部丙", "unit": "县财政局", "rank": "ordinary", "home_area_id": VILLAGE},
    )
    assistance.pairing_create(
        actor=county, cadre=cadre, household=household, kind="contact", start_date=D
    )
    items = [
        {"code": "B1", "text": "走访及时", "max_points": "50", "source": "visits_on_time"},
        {"code": "B2", "text": "驻村考勤", "max_points": "20", "source": "attendance"},
        {"code": "B3", "text": "组织评价", "max_points": "30", "source": "manual"},
    ]
    data = {"name": "干部考核", "year": 2024, "subjects": "cadre"}
    scheme = services.assessment_scheme_save(
        actor=county, region_code=COUNTY, data=data, items=items, reason="印发"
    )
    items[0]["max_points"], items[1]["max_points"] = "60", "10"
    scheme = services.assessment_scheme_save(
        actor=county, scheme=scheme, data=data, items=items, reason="调整权重"
    )
    for points in ("20", "25"):
        services.manual_points_set(
            actor=county,
            scheme=scheme,
            subject_key=f"cadre:{cadre.pk}",
            item_code="B3",
            points=points,
            reason="组织部评价",
        )
    services.assessment_compute(actor=county, scheme=scheme)
    services.assessment_scheme_save(
        actor=county, scheme=scheme, data=data, items=items[::-1], reason="调整顺序"
    )


INVOKERS.update({"leaders": leaders, "assessment of cadres": assessment_of_cadres})


def dossier(users) -> None:
    """The household file: a county's checklist version, the surveyor's statement typed
    and filed as a scan, a household's file and handbook printed, and a whole village's
    file printed by the job worker (inline here, as FUPIN_PRINT_SYNC makes it)."""
    from django.test import override_settings

    from fupin.dossier import prints, services

    household = _household(users)
    county, village = users["county"], users["village"]
    services.checklist_create(
        actor=county,
        region_code=COUNTY,
        effective_from=dt.date(2020, 1, 1),
        items=[
            {
                "status": "poor",
                "document": "house_photo",
                "sources": [{"kind": "attachment", "param": "photo", "title": "住房"}],
            }
        ],
        note="县定清单",
    )
    services.statement_sign(actor=village, household=household, surveyed_on=D)
    scan = SimpleUploadedFile("s.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    services.statement_sign(
        actor=users["township"],
        household=household,
        surveyed_on=D,
        upload=scan,
        surveyor_name="李文华",
    )
    services.print_files(actor=county, households=[household], area_code=VILLAGE)
    services.print_handbooks(actor=village, households=[household], area_code=VILLAGE)
    with override_settings(FUPIN_PRINT_SYNC=True):
        vp = prints.start_village_print(
            actor=village,
            village_code=VILLAGE,
            kind="file",
            size="A4",
            base_url="http://testserver",
            language="zh-hans",
        )
    vp.refresh_from_db()
    assert vp.status == "finished" and vp.record_id is not None, vp.message


def area_exits(users) -> None:
    """A poor village exits through its procedure (the year of exit set by
    geo.services.set_village_exit when the county approves); a county's year of exit
    set as the county exit procedure sets it on the province's approval."""
    from fupin.cases.area import services
    from fupin.cases.procedures import AreaKind
    from fupin.geo.models import VillageProfile
    from fupin.geo.services import set_county_exit, village_profile_update

    today = dt.date.today()
    infra = ("road", "safe_water", "power", "broadband", "clinic", "cultural_room")
    village_profile_update(
        profile=VillageProfile.objects.get(village_id=VILLAGE),
        actor=users["village"],
        data={"is_poor_village": True, "rural_population": 1200}
        | {("has_hardened_road" if f == "road" else f"has_{f}"): True for f in infra},
        reason="年度调查",
    )
    case = services.area_case_open(
        actor=users["village"], area_code=VILLAGE, kind=AreaKind.VILLAGE_EXIT, today=today
    )
    case = services.area_step_do(
        actor=users["village"], case=case, step="application", evidence="村两委申请", today=today
    )
    case = services.area_step_do(
        actor=users["township"], case=case, step="verification", decision="approve", today=today
    )
    notice = services.area_notice_post(
        actor=users["township"], case=case, posted_on=today, phone="0746-1234567"
    )
    after = notice.ends_on + dt.timedelta(days=1)
    services.advance_area_notices(after)
    case.refresh_from_db()
    services.area_step_do(
        actor=users["county"], case=case, step="approval", decision="approve", today=after
    )
    assert VillageProfile.objects.get(village_id=VILLAGE).exit_year == after.year
    services.county_profile_designate(
        actor=users["admin"], county_code=COUNTY, poor_county="key", reason="国家重点县名单"
    )
    set_county_exit(county_code=COUNTY, year=2020, actor=users["admin"], reason="贫困县退出 #1")


def attestations(users) -> None:
    """The village appraisal attests an exclusion clause of the county's policy."""
    from fupin.policy.selectors import current_policy
    from fupin.policy.services import attestation_record, policy_new_version

    household = _household(users)
    policy_new_version(
        actor=users["county"],
        base=current_policy(VILLAGE, on=dt.date(2016, 6, 1)),
        data={"exclusions": [{"code": "JH05", "text": "种养大户", "kind": "attestation"}]},
        reason="县定",
        region_code=COUNTY,
    )
    minutes = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 m", content_type="application/pdf")
    for verdict, upload in (("clear", minutes), ("applies", None)):
        attestation_record(
            actor=users["village"],
            household=household,
            clause_code="JH05",
            verdict=verdict,
            attested_on=dt.date(2016, 10, 1),
            upload=upload,
            note="村民代表大会评议",
        )


INVOKERS.update({"dossier": dossier, "area exits": area_exits, "attestations": attestations})
