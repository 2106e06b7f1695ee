"""The `fupin compare` command: matches and non-matches per kind, bad rows, idempotence."""

import datetime as dt

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import NEIGHBOUR, VILLAGE
from fupin.compare.models import ComparisonRun, Finding, FindingStatus, UnmatchedPerson
from fupin.registry.models import Member


@pytest.fixture
def registry(household, neighbour_household):
    return household, neighbour_household


def last_run():
    return ComparisonRun.objects.order_by("-id").first()


def test_vehicles_match_car_not_motorcycle_and_report_bad_rows(
    registry, write_csv, run_command, head_id, neighbour_id, stranger_id
):
    household, _ = registry
    bad_check = head_id[:-1] + ("0" if head_id[-1] != "0" else "1")
    path = write_csv(
        ["身份证号", "号牌号码", "车辆类型", "注册日期"],
        [
            [head_id, "湘M12345", "小型轿车", "2019-05-01"],  # row 2: finding
            [neighbour_id, "湘M6789", "普通二轮摩托车", "2019/05/02"],  # row 3: exempt
            [stranger_id, "湘M0001", "小型轿车", "20190503"],  # row 4: not registered
            [bad_check, "湘M0002", "小型轿车", "2019-05-04"],  # row 5: bad check digit
            [head_id, "湘M0003", "小型轿车", "next week"],  # row 6: bad date
            [neighbour_id, "", "小型轿车", "2019-05-06"],  # row 7: plate missing
        ],
    )
    out = run_command("vehicles", path)
    run = last_run()
    assert (run.rows_read, run.rows_rejected, run.matches) == (6, 3, 2)
    assert run.findings_created == 1
    f = Finding.objects.get()
    assert f.rule == "EXCL_VEHICLE" and f.household == household
    assert f.member.id_number == head_id and f.key == "湘M12345"
    assert f.details["plate"] == "湘M12345" and f.details["registered_on"] == "2019-05-01"
    assert f.status == FindingStatus.OPEN and f.run == run
    problems = {(e["row"], e["column"]) for e in run.errors}
    assert problems == {(5, "身份证号"), (6, "注册日期"), (7, "号牌号码")}
    assert "5" in out.err and "身份证号" in out.err
    assert run.sha256 and len(run.sha256) == 64 and run.file_name == "dept.csv"


def test_rerun_is_idempotent(registry, write_csv, run_command, head_id):
    path = write_csv(
        ["id number", "plate", "vehicle type", "registration date"],
        [[head_id, "湘M12345", "car", "2019-05-01"], [head_id, "湘M12345", "car", "2019-05-01"]],
    )
    run_command("vehicles", path)
    first = Finding.objects.get()
    first_status = first.status
    run_command("vehicles", path)
    assert Finding.objects.count() == 1
    run = last_run()
    assert (run.findings_created, run.findings_existing) == (0, 1)
    assert Finding.objects.get().status == first_status


def test_dismissed_finding_is_not_recreated(registry, write_csv, run_command, head_id):
    path = write_csv(["身份证号", "单位", "职务"], [[head_id, "县财政局", "科员"]])
    run_command("public_employees", path)
    Finding.objects.update(status=FindingStatus.DISMISSED, reason="namesake")
    run_command("public_employees", path)
    assert Finding.objects.count() == 1
    assert Finding.objects.get().status == FindingStatus.DISMISSED


def test_a_person_registered_again_gets_no_second_finding(
    registry, write_csv, run_command, head_id, users
):
    """Findings are keyed by the person (ID number), not by the member row: the head moves
    out and is registered again (a new member row, here in the neighbouring household);
    the same department record finds the existing finding instead of opening a second."""
    from conftest import member_data
    from fupin.registry import services as registry_services
    from fupin.registry.choices import MemberChangeKind, Relation

    _, neighbour = registry
    path = write_csv(["身份证号", "单位", "职务"], [[head_id, "县财政局", "科员"]])
    run_command("public_employees", path)
    first = Finding.objects.get()
    head = Member.objects.get(id_number=head_id)
    registry_services.member_leave(
        actor=users["village"],
        member=head,
        kind=MemberChangeKind.MOVED_OUT,
        date=dt.date(2020, 5, 1),
        reason="迁出",
    )
    again = registry_services.member_add(
        actor=users["neighbour"],
        household=neighbour,
        data=member_data(id_number=head_id, relation=Relation.PARENT),
        kind=MemberChangeKind.MOVED_IN,
        reason="迁入",
    )
    assert again.pk != head.pk
    run_command("public_employees", path)
    run = last_run()
    assert run.matches == 1
    assert (run.findings_created, run.findings_existing) == (0, 1)
    assert list(Finding.objects.values_list("pk", flat=True)) == [first.pk]


KIND_CASES = [
    # kind, header, row making a finding (for the head), row making none (neighbour), rule
    (
        "real_estate",
        ["身份证号", "坐落", "建筑面积", "是否城镇"],
        ["{head}", "县城东路8号", "96.5", "是"],
        ["{neighbour}", "清塘村二组3号", "120", "否"],
        "EXCL_TOWN_HOUSING",
    ),
    (
        "business",
        ["id_number", "company name", "credit code", "role"],
        ["{head}", "江华某某商贸有限公司", "91431129MA4L0000X1", "法定代表人"],
        ["{stranger}", "某公司", "91431129MA4L0000X2", "股东"],
        "EXCL_BUSINESS",
    ),
    (
        "public_employees",
        ["公民身份号码", "工作单位", "岗位"],
        ["{head}", "江华县教育局", "教师"],
        ["{stranger}", "江华县财政局", "科员"],
        "EXCL_PUBLIC_EMPLOYEE",
    ),
    (
        "deaths",
        ["身份证号码", "死亡日期"],
        ["{head}", "2023-02-01"],
        ["{stranger}", "2023-02-02"],
        "DEATH_ACTIVE",
    ),
    (
        "medical_spending",
        ["身份证号", "年度", "医疗总费用", "个人自付"],
        ["{head}", "2023", "38,000.50", "12000"],
        ["{neighbour}", "2023", "3000", "500"],
        "MEDICAL_HIGH",
    ),
    (
        "disability",
        ["身份证号", "残疾证号", "残疾类别", "残疾等级", "发证日期"],
        ["{head}", "43112919800101123441", "肢体", "二级", "2022-06-01"],
        ["{neighbour}", "43112919800101456642", "视力", "2", "2020-01-01"],
        "DISABILITY_NEW",
    ),
]


@pytest.mark.parametrize(("kind", "header", "hit", "miss", "rule"), KIND_CASES)
def test_each_kind_matches_and_ignores(
    kind,
    header,
    hit,
    miss,
    rule,
    registry,
    write_csv,
    run_command,
    head_id,
    neighbour_id,
    stranger_id,
):
    # The neighbour's registry record already shows the disability (grade 2).
    Member.objects.filter(id_number=neighbour_id).update(health="disabled", disability_grade=2)
    ids = {"head": head_id, "neighbour": neighbour_id, "stranger": stranger_id}
    rows = [[v.format(**ids) for v in r] for r in (hit, miss)]
    run_command(kind, write_csv(header, rows))
    run = last_run()
    assert run.rows_rejected == 0, run.errors
    f = Finding.objects.get()
    assert (f.rule, f.kind, f.member.id_number) == (rule, kind, head_id)


def test_subsistence_roll_people_not_in_registry(
    registry, write_csv, run_command, head_id, stranger_id
):
    other = "431129199001017654"[:17]
    from fupin.registry.idnumber import check_char

    other += check_char(other)
    path = write_csv(
        ["身份证号", "姓名", "保障类型", "起始日期", "区划代码"],
        [
            [head_id, "盘石生", "低保", "2020-01-01", VILLAGE],  # registered: fine
            [stranger_id, "赵六", "特困", "2021-03-01", ""],  # not registered, no area
            [other, "钱七", "低保", "2021-03-01", NEIGHBOUR],  # not registered, neighbour
            [other, "钱七", "dibao", "2021-03-01", NEIGHBOUR],  # same person twice
            [stranger_id, "赵六", "救济", "2021-03-01", ""],  # bad roll type
        ],
    )
    run_command("subsistence_rolls", path, "--user", "county")
    run = last_run()
    assert Finding.objects.count() == 0
    assert run.matches == 1 and run.unmatched == 2 and run.rows_rejected == 1
    people = {p.id_number: p for p in UnmatchedPerson.objects.all()}
    assert set(people) == {stranger_id, other}
    assert people[other].area_code == NEIGHBOUR
    assert people[stranger_id].area_code == "431129000000"  # the run's area
    assert people[stranger_id].details["roll_type"] == "extreme"


def test_inactive_members_and_other_areas_are_not_matched(
    registry, write_csv, run_command, head_id, neighbour_id
):
    Member.objects.filter(id_number=neighbour_id).update(is_active=False)
    path = write_csv(
        ["身份证号", "死亡日期"], [[head_id, "2023-01-01"], [neighbour_id, "2023-01-01"]]
    )
    run_command("deaths", path, "--area", NEIGHBOUR)
    assert Finding.objects.count() == 0
    run_command("deaths", path, "--area", VILLAGE)
    assert list(Finding.objects.values_list("member__id_number", flat=True)) == [head_id]


def test_xlsx_with_id_numbers_as_text_and_as_numbers(registry, tmp_path, run_command, head_id):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Plate", "ID number", "Vehicle type", "Registration date"])
    ws.append(["湘M1", head_id, "小型轿车", dt.date(2020, 1, 2)])
    ws.append(
        ["湘M2", int(head_id[:-1] + "1") if head_id[-1] != "X" else 1, "小型轿车", "2020-01-03"]
    )
    path = tmp_path / "cars.xlsx"
    wb.save(path)
    run_command("vehicles", path)
    run = last_run()
    assert run.rows_read == 2 and run.rows_rejected == 1
    assert run.errors[0]["row"] == 3 and run.errors[0]["field"] == "id_number"
    assert Finding.objects.get().details["registered_on"] == "2020-01-02"


def test_gb18030_csv(registry, write_csv, run_command, head_id):
    path = write_csv(["身份证号", "死亡日期"], [[head_id, "2023年1月5日"]], encoding="gb18030")
    run_command("deaths", path)
    assert Finding.objects.get().key == "2023-01-05"


def test_missing_column_and_unknown_user_fail_cleanly(registry, write_csv, run_command, head_id):
    path = write_csv(["身份证号", "号牌号码"], [[head_id, "湘M1"]])
    with pytest.raises(CommandError):
        run_command("vehicles", path)
    with pytest.raises(CommandError):
        run_command("deaths", path, "--user", "nobody")
    assert ComparisonRun.objects.count() == 0


def test_village_staff_may_not_run(registry, write_csv, run_command, head_id):
    path = write_csv(["身份证号", "死亡日期"], [[head_id, "2023-01-01"]])
    with pytest.raises(CommandError):
        run_command("deaths", path, "--user", "village")
    with pytest.raises(CommandError):
        run_command("deaths", path, "--user", "other_county", "--area", VILLAGE)
    run_command("deaths", path, "--user", "county")
    assert last_run().user.username == "county"


def test_language_option_speaks_english_or_chinese(registry, write_csv, run_command, head_id):
    path = write_csv(
        ["身份证号", "号牌号码", "车辆类型", "注册日期"], [[head_id, "", "小型轿车", "x"]]
    )
    english = run_command("vehicles", path, "--language", "en")
    assert "rows read" in english.out and "row 2" in english.err
    chinese = run_command("vehicles", path)
    assert "rows read" not in chinese.out and "行" in chinese.out
    with pytest.raises(CommandError):
        call_command("compare", "vehicles", str(path), "--language", "fr")
