"""What the microcredit demo, `fupin microcredit` and `fupin programmes` print is in the
user's language (Chinese by default, English on request), sheet titles included."""

from __future__ import annotations

import csv
from io import StringIO

from django.core.management import call_command
from django.utils.translation import override

from fupin.microcredit import demo
from fupin.microcredit.management.commands.microcredit import Command as MicrocreditCommand
from fupin.microcredit.tests.test_workbook import HEAD
from fupin.programmes.management.commands.programmes import Command as ProgrammesCommand

TERMS = ["农商行", "30000", "12", "4.35", "4.35", "AA", "种植", "2024-03-01"]


def test_the_demo_says_what_it_built_in_the_users_language(household):
    lines: list[str] = []
    demo.build_demo(seed=1, log=lines.append)
    assert len(lines) == 1 and lines[0].startswith("小额信贷：1 笔贷款，")
    demo.wipe_demo()
    with override("en"):
        demo.build_demo(seed=1, log=lines.append)
    assert lines[-1].startswith("microcredit: 1 loans")


def _help(command, *sub: str) -> str:
    parser = command.create_parser("fupin", command.__module__.rsplit(".", 1)[-1])
    if not sub:
        return parser.format_help()
    actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return actions[0].choices[sub[0]].format_help()


def test_the_commands_help_is_translated():
    text = _help(ProgrammesCommand()) + _help(ProgrammesCommand(), "import")
    assert "导入或导出台账工作簿" in text and "以此用户身份导入" in text
    assert "import as this user" not in text
    text = _help(MicrocreditCommand()) + _help(MicrocreditCommand(), "overdue")
    assert "每日逾期检查" in text and "日期（默认：今天）" in text
    with override("en"):
        assert "import as this user" in _help(ProgrammesCommand(), "import")


def test_the_import_summary_names_the_sheets_by_their_titles(tmp_path, users, household):
    path = tmp_path / "loans.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEAD)
        w.writerow(["XD-1", household.number, household.members.get().id_number, *TERMS])
    out = StringIO()
    call_command("programmes", "import", "microcredit", str(path), "--user", "village", stdout=out)
    assert "贷款：新建 1 条" in out.getvalue() and "loans:" not in out.getvalue()
    call_command("programmes", "list", stdout=out)
    assert "microcredit\t扶贫小额信贷" in out.getvalue()


def test_the_exported_sheets_and_headers_are_in_the_users_language(tmp_path, users, household):
    import openpyxl

    from fupin.programmes import ledgers, workbook

    path = workbook.export_workbook(
        ledgers.get("microcredit"), users["village"], "", tmp_path / "out.xlsx"
    )
    book = openpyxl.load_workbook(path)
    assert {"贷款", "还款记录"} <= set(book.sheetnames)
    headers = [cell.value for cell in book["贷款"][1]]
    # Every header translated: the borrower's ID number (it was not in the catalogue) and
    # the loan's status (not the household's poverty status of the project catalogue).
    assert "借款人身份证号" in headers and "户编号" in headers
    assert "状态" in headers and "贫困状态" not in headers
