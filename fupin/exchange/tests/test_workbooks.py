"""What real workbooks contain: merged header cells, dates as Excel serials or text, ID
numbers typed into number cells; and the export's layout and template."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from django.utils import translation
from django.utils.translation import gettext

from conftest import NEIGHBOUR, VILLAGE, make_id
from fupin.core.errors import OutsideArea
from fupin.exchange import layout as L
from fupin.exchange.export import COLUMNS_SHEET, export_registry
from fupin.exchange.importer import import_registry
from fupin.exchange.tests.conftest import good_household, good_income, good_member, second_member
from fupin.registry.models import Household, Member


def zh_headers(sheet: L.Sheet) -> list[str]:
    with translation.override("zh-hans"):
        return [str(c.header) for c in sheet.columns]


def hand_made_workbook(path, member_rows):
    """A clerk's workbook: a title row, a merged group header above the income columns,
    labels in coded columns, dates in several spellings."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "户信息"
    headers = zh_headers(L.HOUSEHOLDS)
    ws.append(["江华瑶族自治县建档立卡贫困户信息采集表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
    ws.append(headers)
    row = good_household()
    ws.append([row.get(c.code) for c in L.HOUSEHOLDS.columns])
    ws2 = wb.create_sheet("家庭成员")
    # Two header rows: "基本情况" merged over the first columns, the rest merged vertically.
    codes = [c.code for c in L.MEMBERS.columns]
    top = ["基本情况" if i < 3 else h for i, h in enumerate(zh_headers(L.MEMBERS))]
    ws2.append(top)
    ws2.append([h if i < 3 else None for i, h in enumerate(zh_headers(L.MEMBERS))])
    ws2.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
    for j in range(4, len(codes) + 1):
        ws2.merge_cells(start_row=1, start_column=j, end_row=2, end_column=j)
    for values in member_rows:
        ws2.append([values.get(c) for c in codes])
    ws3 = wb.create_sheet("收入")
    ws3.append(zh_headers(L.INCOMES))
    income = good_income()
    ws3.append([income.get(c.code) for c in L.INCOMES.columns])
    wb.save(path)
    return path


def test_merged_headers_title_rows_and_dates_in_any_spelling(users, tmp_path):
    head = good_member()
    head["birth_date"] = 25632  # 1970-03-05 as an Excel serial day number
    spouse = second_member()
    spouse["birth_date"] = "1972年8月11日"
    path = hand_made_workbook(tmp_path / "clerk.xlsx", [head, spouse])
    result = import_registry(actor=users["village"], path=path)
    assert result.errors.is_empty(), result.errors.rows()
    assert result.counts["members"].created == 2
    assert Member.objects.get(name="李桂花").birth_date == dt.date(1972, 8, 11)
    # Row numbers are the ones Excel shows: data starts on row 3 of the members sheet.
    bad = second_member(name=None)
    result = import_registry(
        actor=users["village"], path=hand_made_workbook(tmp_path / "c2.xlsx", [head, bad])
    )
    rows = result.errors.rows()
    assert any(r[0] == "家庭成员" and r[1] == 4 for r in rows), rows


def test_an_id_number_typed_into_a_number_cell_is_refused_with_the_reason(users, tmp_path):
    head = good_member()
    spouse = second_member()
    spouse["id_number"] = int(spouse["id_number"])  # Excel keeps 15 significant digits
    path = hand_made_workbook(tmp_path / "numbers.xlsx", [head, spouse])
    result = import_registry(actor=users["village"], path=path)
    rows = [r for r in result.errors.rows() if r[1] == 4]  # two header rows, spouse second
    assert rows, result.errors.rows()
    with translation.override("zh-hans"):
        excel = gettext(
            "The ID number %(value)s was stored as a number by Excel, which keeps "
            "only 15 significant digits, so the last digits are lost. Format the "
            "column as text and type the number again from the ID card."
        )
    assert excel.split("%(value)s")[1][:10] in rows[0][4], rows
    assert Member.objects.filter(name="赵大山").exists()  # the good row is kept


def test_export_has_chinese_headers_stable_codes_and_three_sheets(users, household, tmp_path):
    path = tmp_path / "out.xlsx"
    result = export_registry(actor=users["village"], area_code=VILLAGE, path=path)
    assert result.rows == {"households": 1, "members": 1, "incomes": 0}
    wb = openpyxl.load_workbook(path)
    with translation.override("zh-hans"):
        titles = [str(s.title) for s in L.SHEETS]
    assert [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"] == titles
    hs = wb[titles[0]]
    assert [c.value for c in hs[1]] == zh_headers(L.HOUSEHOLDS)
    assert hs.cell(2, 1).value == household.number
    codes = wb[COLUMNS_SHEET]
    assert codes.sheet_state == "hidden"
    listed = [r[3] for r in codes.iter_rows(min_row=2, values_only=True)]
    assert listed == [c.code for s in L.SHEETS for c in s.columns]
    members = wb[titles[1]]
    # The village user may see ID numbers; ID numbers are text cells, never numbers.
    assert members.cell(2, 2).value == household.members.get().id_number
    assert members.cell(2, 2).data_type == "s"


def test_export_masks_personal_numbers_for_roles_that_may_not_see_them(users, household, tmp_path):
    path = tmp_path / "dept.xlsx"
    result = export_registry(actor=users["department"], area_code=VILLAGE, path=path)
    assert result.masked
    wb = openpyxl.load_workbook(path)
    value = wb.worksheets[1].cell(2, 2).value
    assert "*" in value and value != household.members.get().id_number


def test_export_is_scoped_to_the_users_area(users, household, neighbour_household, tmp_path):
    with pytest.raises(OutsideArea):
        export_registry(actor=users["village"], area_code=NEIGHBOUR, path=tmp_path / "x.xlsx")
    result = export_registry(actor=users["township"], area_code="4311291", path=tmp_path / "t.csv")
    assert result.rows["households"] == 2
    text = (tmp_path / "t.households.csv").read_text(encoding="utf-8-sig")
    assert household.number in text and neighbour_household.number in text


def test_template_has_drop_down_lists_and_imports_as_nothing(users, tmp_path):
    path = tmp_path / "template.xlsx"
    export_registry(actor=users["village"], area_code=VILLAGE, path=path, template=True)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[1] if wb.worksheets[0].title.startswith("_") else wb.worksheets[0]
    validations = ws.data_validations.dataValidation
    assert validations, "coded columns need drop-down lists"
    assert all(v.type == "list" for v in validations)
    # The main-cause column's list offers the twelve causes.
    col = L.HOUSEHOLDS.codes.index("main_cause")
    letter = openpyxl.utils.get_column_letter(col + 1)
    assert any(letter + "2" in str(v.sqref) for v in validations)
    # Filled in by hand and imported.
    row = good_household()
    ws.append([row.get(c.code) for c in L.HOUSEHOLDS.columns])
    ws.cell(ws.max_row, L.HOUSEHOLDS.codes.index("household_size") + 1).value = None
    wb.save(path)
    result = import_registry(actor=users["village"], path=path)
    assert result.counts["households"].created == 1, result.errors.rows()
    assert Household.objects.filter(number=row["household_number"]).exists()


def test_upgraded_id_number_suggestion_for_legacy_numbers(users, book):
    legacy = "431129700305211"
    result = import_registry(
        actor=users["village"],
        path=book(
            households=[good_household(household_size="")], members=[good_member(id_number=legacy)]
        ),
    )
    reason = result.errors.filter(result.errors["row"] == 2)["reason"][0]
    assert make_id(birth="19700305", seq="211") in reason
