"""Import through its public surface: the service and the `import-registry` command."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from conftest import NEIGHBOUR, VILLAGE, make_id
from fupin.core.history import snapshot
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.exchange import layout as L
from fupin.exchange.export import export_registry
from fupin.exchange.importer import import_registry
from fupin.exchange.models import ExchangeRun
from fupin.exchange.tests.conftest import good_household, good_income, good_member, second_member
from fupin.registry import choices as c
from fupin.registry.models import Household, IncomeRecord, Member

NUMBER = VILLAGE + "0901"
UPSERT = ExchangeRun.Mode.UPSERT
ALL = ExchangeRun.Mode.ALL_OR_NOTHING


def result_line(out: str, key: str, **counts) -> bool:
    """The summary line of a sheet names its counts (in whatever words)."""
    with translation.override("zh-hans"):
        title = str(L.SHEETS_BY_KEY[key].title)
    line = next((x for x in out.splitlines() if x.startswith(title)), "")
    numbers = [int(n) for n in re.findall(r"\d+", line)]
    return bool(line) and all(v in numbers for v in counts.values())


def run(users, path, who="village", **kw):
    return import_registry(actor=users[who], path=path, **kw)


def errors_of(result) -> list[tuple]:
    return [(s, r, col, reason) for s, r, col, _v, reason in result.errors.iter_rows()]


def full_book(book, **over):
    return book(
        households=over.get("households", [good_household()]),
        members=over.get("members", [good_member(), second_member()]),
        incomes=over.get("incomes", [good_income()]),
    )


def test_import_creates_households_members_incomes_with_history(users, book):
    result = run(users, full_book(book))
    assert result.run.status == ExchangeRun.Status.DONE, errors_of(result)
    assert result.errors.is_empty()
    h = Household.objects.get(number=NUMBER)
    assert h.village_id == VILLAGE
    assert h.main_cause == c.PovertyCause.ILLNESS
    assert h.other_causes == [c.PovertyCause.LACK_SKILLS]
    # A new household is registered as a candidate of this year.
    assert h.status == c.HouseholdStatus.CANDIDATE
    assert h.status_year == dt.date.today().year and h.monitoring_type == ""
    assert h.farmland_mu == Decimal("2.50")
    head = Member.objects.get(household=h, relation=c.Relation.HEAD)
    # Sex and birth date come from the ID number when left blank.
    assert head.sex == "M" and head.birth_date == dt.date(1970, 3, 5)
    assert head.ethnicity == "13"
    assert h.members.count() == 2
    income = IncomeRecord.objects.get(household=h, year=2016)
    assert income.production == Decimal("1200.50")
    assert result.counts["members"].created == 2
    # One change record per created object, with the import as the reason, reading
    # exactly like the records the services write (same snapshot).
    rec = ChangeRecord.objects.get(object_type="registry.member", object_id=str(head.pk))
    assert rec.action == ChangeAction.CREATE
    assert rec.user_name == "village"
    assert str(result.run.pk) in rec.reason and result.run.file_name in rec.reason
    assert rec.area_code == VILLAGE
    assert rec.related_id == str(h.pk)
    assert rec.post_data == snapshot(head)
    # The state is kept once: a creation's changes are every field with a value.
    assert rec.changes == {}
    assert rec.effective_changes["name"] == [None, "赵大山"]
    assert rec.effective_changes == {
        k: [None, v] for k, v in snapshot(head).items() if v is not None
    }
    hrec = ChangeRecord.objects.get(object_type="registry.household", object_id=str(h.pk))
    expected = snapshot(h)
    assert {k: v for k, v in hrec.post_data.items() if k != "created_at"} == {
        k: v for k, v in expected.items() if k != "created_at"
    }
    assert ChangeRecord.objects.get(
        object_type="registry.incomerecord", object_id=str(income.pk)
    ).post_data == snapshot(income)


def test_second_import_of_the_same_file_changes_nothing(users, book):
    path = full_book(book)
    run(users, path)
    before = ChangeRecord.objects.count()
    again = run(users, path)
    assert again.run.status == ExchangeRun.Status.DONE
    assert again.counts["households"].unchanged == 1
    assert again.counts["members"].unchanged == 2
    assert again.counts["incomes"].unchanged == 1
    assert sum(x.created + x.updated for x in again.counts.values()) == 0
    assert ChangeRecord.objects.count() == before


def test_changed_cells_update_rows_and_record_what_changed(users, book):
    run(users, full_book(book))
    h = Household.objects.get(number=NUMBER)
    result = run(
        users,
        full_book(
            book,
            households=[good_household(address="大坪村三组7号")],
            incomes=[good_income(wages="3500")],
        ),
    )
    assert result.counts["households"].updated == 1
    assert result.counts["members"].unchanged == 2
    assert result.counts["incomes"].updated == 1
    h.refresh_from_db()
    assert h.address == "大坪村三组7号"
    rec = ChangeRecord.objects.filter(
        object_type="registry.household", object_id=str(h.pk), action=ChangeAction.UPDATE
    ).get()
    assert rec.changes == {"address": ["大坪村三组5号", "大坪村三组7号"]}
    assert rec.post_data == snapshot(h) | {"created_at": rec.post_data["created_at"]}
    inc = ChangeRecord.objects.get(object_type="registry.incomerecord", action=ChangeAction.UPDATE)
    assert inc.changes == {"wages": ["3000.00", "3500.00"]}


def test_round_trip_export_then_import_changes_nothing(users, household, tmp_path):
    for suffix in (".xlsx", ".csv"):
        path = tmp_path / f"out{suffix}"
        export_registry(actor=users["village"], area_code=VILLAGE, path=path)
        before = ChangeRecord.objects.count()
        result = run(users, path)
        assert result.errors.is_empty(), errors_of(result)
        assert result.counts["households"].unchanged == 1, suffix
        assert result.counts["members"].unchanged == 1, suffix
        assert ChangeRecord.objects.count() == before, suffix


def test_traditional_characters_full_width_digits_and_stray_spaces(users, book):
    wide = make_id(birth="19700305", seq="211").translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    result = run(
        users,
        full_book(
            book,
            households=[
                good_household(
                    main_cause=" 因學 ",
                    other_causes="缺技術",
                    category="一般貧困戶",
                    status_year=str(dt.date.today().year).translate(
                        str.maketrans("0123456789", "０１２３４５６７８９")
                    ),
                )
            ],
            members=[
                good_member(
                    id_number=f" {wide[:6]} {wide[6:]} ", relation="戶主", health=" 健 康 "
                ),
                second_member(),
            ],
        ),
    )
    assert result.errors.is_empty(), errors_of(result)
    h = Household.objects.get(number=NUMBER)
    assert h.main_cause == c.PovertyCause.SCHOOLING
    assert h.status_year == dt.date.today().year
    assert Member.objects.filter(id_number=make_id(birth="19700305", seq="211")).exists()


def test_codes_are_accepted_as_well_as_labels(users, book):
    result = run(
        users,
        full_book(book, households=[good_household(main_cause="illness", status="candidate")]),
    )
    assert result.errors.is_empty(), errors_of(result)
    assert Household.objects.get(number=NUMBER).main_cause == "illness"


def said(actual: str, msgid: str) -> bool:
    """The reason is the zh-hans translation of msgid (placeholders filled in)."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return all(part in actual for part in re.split(r"%\(\w+\)s", text) if part)


def header(sheet: str, code: str) -> str:
    with translation.override("zh-hans"):
        return str(L.SHEETS_BY_KEY[sheet].column(code).header)


ID_REASONS = {
    "checksum": "The check digit of %(value)s is wrong: it should be %(expected)s. "
    "One of the digits was probably mistyped.",
    "legacy": "%(value)s is a 15-digit legacy ID number. Enter the 18-digit number from the "
    "current ID card (for this person it should be %(upgraded)s).",
    "excel": "The ID number %(value)s was stored as a number by Excel, which keeps only 15 "
    "significant digits, so the last digits are lost. Format the column as text "
    "and type the number again from the ID card.",
}
NOT_IN_LIST = "Not a value of this column's list (allowed: %(allowed)s%(more)s)."


@pytest.mark.parametrize(
    ("sheet", "where", "column", "reason"),
    [
        ("members", {"id_number": make_id()[:17] + "0"}, "id_number", ID_REASONS["checksum"]),
        ("members", {"id_number": "431129800101123"}, "id_number", ID_REASONS["legacy"]),
        ("members", {"id_number": "4.31129E+17"}, "id_number", ID_REASONS["excel"]),
        ("members", {"id_number": ""}, "id_number", "Required."),
        ("members", {"name": " "}, "name", "Required."),
        ("members", {"relation": "表哥"}, "relation", NOT_IN_LIST),
        (
            "members",
            {"birth_date": "1970-13-45"},
            "birth_date",
            "Not a date (write it as 2020-01-31).",
        ),
        (
            "members",
            {"birth_date": "1971-03-05"},
            "birth_date",
            "The ID number says this person was born on %(date)s.",
        ),
        ("members", {"sex": "女"}, "sex", "The ID number says this person is %(sex)s."),
        ("members", {"school_status": "小学生"}, "school_status", NOT_IN_LIST),
        (
            "members",
            {"school_status": "学龄前儿童"},
            "education",
            "Fill in exactly one of education and school status.",
        ),
        (
            "members",
            {"health": "残疾"},
            "disability_grade",
            "A disabled person needs a disability grade.",
        ),
        (
            "members",
            {"disability_grade": "二级残疾"},
            "disability_grade",
            "Only a disabled person has a disability grade.",
        ),
        (
            "members",
            {"migrant_place": "省外务工"},
            "migrant_months",
            "Migrant work place and months are filled in together or not at all.",
        ),
        (
            "members",
            {"migrant_months": "13"},
            "migrant_months",
            "Out of range (%(low)s to %(high)s).",
        ),
        (
            "members",
            {"household_number": VILLAGE + "0999"},
            "household_number",
            "No household with this number in the households sheet or in your area.",
        ),
        (
            "households",
            {"status_year": "2009"},
            "status_year",
            "Out of range (%(low)s to %(high)s).",
        ),
        ("households", {"main_cause": "因懒"}, "main_cause", NOT_IN_LIST),
        ("households", {"housing_area": "很大"}, "housing_area", "Not a number."),
        ("households", {"farmland_mu": "-1"}, "farmland_mu", "Cannot be negative."),
        (
            "households",
            {"housing_safe": "否"},
            "danger_grade",
            "An unsafe house needs its danger grade (C or D).",
        ),
        (
            "households",
            {"danger_grade": "C级危房"},
            "danger_grade",
            "A safe house has no danger grade.",
        ),
        (
            "households",
            {"monitoring_type": "边缘易致贫户"},
            "monitoring_type",
            "Only exited households and monitoring objects have a monitoring type.",
        ),
        (
            "households",
            {"other_causes": "因病"},
            "other_causes",
            "The main cause cannot also be another cause.",
        ),
        (
            "households",
            {"other_causes": "缺技术、缺资金、缺水"},
            "other_causes",
            "At most two other causes.",
        ),
        (
            "households",
            {"irrigated_mu": "3"},
            "irrigated_mu",
            "Irrigated farmland cannot exceed farmland.",
        ),
        (
            "households",
            {"household_size": "3"},
            "household_size",
            "The household has %(size)s people but the members sheet lists %(n)s.",
        ),
        (
            "households",
            {"village_code": NEIGHBOUR},
            "village_code",
            "This village is outside your area.",
        ),
        (
            "households",
            {"village_code": "431129999999"},
            "village_code",
            "There is no village with this code.",
        ),
        (
            "households",
            {"village_code": "4311291002"},
            "village_code",
            "A village code has 12 digits.",
        ),
        ("households", {"water_safe": "大概"}, "water_safe", "Write 是 (yes) or 否 (no)."),
        ("households", {"category": ""}, "category", "Required."),
        ("incomes", {"year": "二〇一六"}, "year", "Not a whole number."),
        (
            "incomes",
            {"household_size": "0"},
            "household_size",
            "Out of range (%(low)s to %(high)s).",
        ),
    ],
)
def test_each_rejection_names_sheet_row_column_and_reason(
    users, book, sheet, where, column, reason
):
    rows = {
        "households": [good_household()],
        "members": [good_member(), second_member()],
        "incomes": [good_income()],
    }
    rows[sheet][0].update(where)
    result = run(users, book(**rows))
    assert result.run.status == ExchangeRun.Status.DONE
    found = [
        e
        for e in errors_of(result)
        if e[0] == f"book.{sheet}.csv" and e[1] == 2 and e[2] == header(sheet, column)
    ]
    assert found, errors_of(result)
    assert any(said(e[3], reason) for e in found), found
    assert result.counts[sheet].rejected >= 1


def test_rejected_household_takes_its_members_and_incomes_with_it(users, book):
    result = run(users, full_book(book, households=[good_household(main_cause="?")]))
    assert not Household.objects.filter(number=NUMBER).exists()
    assert not Member.objects.exists()
    reasons = errors_of(result)
    cascade = "Its household (row %(row)s of the households sheet) was rejected."
    assert any(e[0] == "book.members.csv" and e[1] == 2 and said(e[3], cascade) for e in reasons), (
        reasons
    )
    assert result.counts["members"].rejected == 2
    assert result.counts["incomes"].rejected == 1


def test_duplicates_within_the_file(users, book):
    result = run(
        users,
        book(
            households=[good_household(household_size=""), good_household(household_size="")],
            members=[good_member(), good_member(relation="配偶")],
            incomes=[good_income(), good_income()],
        ),
    )
    errs = errors_of(result)
    twice = {
        ("households", "household_number"): "Household listed twice; first at row %(row)s.",
        ("members", "id_number"): "This person is listed twice; first at row %(row)s.",
        ("incomes", "year"): "This year is listed twice for the household; first at row %(row)s.",
    }
    for (sheet, column), msgid in twice.items():
        assert any(
            e[0] == f"book.{sheet}.csv"
            and e[1] == 3
            and e[2] == header(sheet, column)
            and said(e[3], msgid)
            and "2" in e[3]
            for e in errs
        ), (sheet, errs)
    assert Household.objects.filter(number=NUMBER).count() == 1


def test_a_second_head_is_rejected(users, book):
    result = run(users, full_book(book, members=[good_member(), second_member(relation="户主")]))
    assert any(
        e[1] == 3
        and e[2] == header("members", "relation")
        and said(e[3], "The household already has a head.")
        for e in errors_of(result)
    ), errors_of(result)


def test_a_person_already_in_another_household_is_rejected(users, book, neighbour_household):
    other = neighbour_household.members.get()
    result = run(
        users,
        full_book(
            book,
            members=[
                good_member(),
                second_member(id_number=other.id_number, sex="女", birth_date=""),
            ],
        ),
    )
    errs = [e for e in errors_of(result) if e[2] == header("members", "id_number")]
    # The neighbour's household is outside the village user's area: not named.
    assert errs and said(
        errs[0][3], "This person is already a member of a household outside your area."
    ), errs
    result = run(
        users,
        full_book(
            book,
            members=[
                good_member(),
                second_member(id_number=other.id_number, sex="女", birth_date=""),
            ],
        ),
        who="county",
    )
    errs = [e for e in errors_of(result) if e[2] == header("members", "id_number")]
    assert errs and neighbour_household.number in errs[0][3], errs
    assert said(errs[0][3], "This person is already a member of household %(number)s.")
    assert other.household_id == neighbour_household.pk


def test_rows_outside_the_users_area_are_rejected_not_written(users, book, neighbour_household):
    n = neighbour_household.number
    result = run(
        users,
        book(
            households=[
                good_household(),
                good_household(n, village_code=NEIGHBOUR, household_size=""),
            ],
            members=[good_member(), second_member()],
            incomes=[good_income(), good_income(n)],
        ),
    )
    assert result.counts["households"].created == 1
    assert result.counts["households"].rejected == 1
    assert result.counts["incomes"].rejected == 1
    assert not IncomeRecord.objects.filter(household=neighbour_household).exists()
    # A household number that exists outside the area cannot be taken over either.
    result = run(users, book(households=[good_household(n, household_size="")]))
    assert any(
        said(e[3], "This household number belongs to a household outside your area.")
        for e in errors_of(result)
    ), errors_of(result)
    neighbour_household.refresh_from_db()
    assert neighbour_household.village_id == NEIGHBOUR


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(users, book):
    bad = full_book(book, incomes=[good_income(), good_income(year="1999")])
    before = ChangeRecord.objects.count()
    result = run(users, bad, mode=ALL)
    assert result.run.status == ExchangeRun.Status.REFUSED
    assert not Household.objects.exists() and not Member.objects.exists()
    assert ChangeRecord.objects.count() == before
    assert result.counts["incomes"].rejected == 1
    # Upsert keeps the good rows of the same file.
    result = run(users, bad, mode=UPSERT)
    assert result.run.status == ExchangeRun.Status.DONE
    assert Household.objects.filter(number=NUMBER).exists()
    assert IncomeRecord.objects.count() == 1


def test_dry_run_counts_but_writes_nothing(users, book):
    result = run(users, full_book(book), dry_run=True)
    assert result.run.status == ExchangeRun.Status.CHECKED
    assert result.counts["members"].created == 2
    assert not Household.objects.exists()


def test_users_who_may_not_edit_cannot_import(users, book):
    result = run(users, full_book(book), who="department")
    assert result.run.status == ExchangeRun.Status.REFUSED
    assert not Household.objects.exists()


def test_command_prints_summary_and_writes_report(users, book, tmp_path, capsys):
    path = full_book(book, members=[good_member(), second_member(name="")])
    report = tmp_path / "report.xlsx"
    call_command("import_registry", str(path), "--user", "village", "--report", str(report))
    out = capsys.readouterr().out
    with translation.override("zh-hans"):
        assert gettext("Required.") in out
        name_header = header("members", "name")
    assert result_line(out, "members", read=2, created=1, rejected=1)
    import openpyxl

    wb = openpyxl.load_workbook(report, read_only=True)
    rows = [list(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]
    assert any(r[:3] == ["book.members.csv", 3, name_header] for r in rows), rows
    # The rejected row itself, in the layout of the workbook, ready to fix and re-import.
    assert any(second_member()["id_number"] in [str(x) for x in r] for r in rows)
