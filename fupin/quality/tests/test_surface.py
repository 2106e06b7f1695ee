"""The command and the pages, on the database, with the root conftest fixtures."""

import datetime as dt
import io
import json
import sys
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE, make_id, registered_household
from fupin.quality.selectors import check_area, score
from fupin.registry.models import IncomeRecord, Member

pytestmark = pytest.mark.django_db

CHILD_ID = make_id(birth="20140101", seq="222")


@pytest.fixture
def bad(household):
    """The fixture household with a child out of school (Q06) and, exited, under the line."""
    head = household.members.get()
    Member.objects.create(
        household=household,
        id_number=CHILD_ID,
        name="盘小妹",
        sex="F",
        birth_date=dt.date(2014, 1, 1),
        relation="daughter",
        school_status="",
        education="",
        labour="none",
    )
    household.status = "exited"
    household.save(update_fields=["status"])
    IncomeRecord.objects.create(household=household, year=2020, household_size=2, wages=3000)
    return household, head


def run(*args, **kw) -> str:
    out = io.StringIO()
    call_command("check_quality", *args, stdout=out, stderr=io.StringIO(), **kw)
    return out.getvalue()


def test_clean_household_scores_100(household, neighbour_household):
    data = json.loads(run(area="431129000000", format="json"))
    assert data["total"]["households"] == 2
    assert data["total"]["score"] == 100.0
    assert data["violations"] == []


def test_command_json_reports_violations(bad):
    household, _ = bad
    data = json.loads(run(area="431129000000", format="json", lang="en"))
    rules = {v["rule"] for v in data["violations"]}
    assert {"Q04", "Q06", "Q19"} <= rules
    q06 = next(v for v in data["violations"] if v["rule"] == "Q06")
    assert q06["household_number"] == household.number
    assert q06["id_number"] != CHILD_ID and q06["id_number"].endswith(CHILD_ID[-4:])
    assert data["total"]["households_with_error"] == 1
    assert data["total"]["score"] == 0.0
    village = next(v for v in data["villages"] if v["code"] == VILLAGE)
    assert village["score"] == 0.0
    q04 = next(v for v in data["violations"] if v["rule"] == "Q04")
    assert "1500.0" in q04["detail"] and "4000" in q04["detail"]


def test_command_text_is_chinese_by_default(bad):
    text = run(area=VILLAGE)
    assert "学龄" in text or "义务教育" in text  # the Q06 title in Chinese
    assert CHILD_ID not in text
    english = run(area=VILLAGE, lang="en")
    assert "Child of compulsory-school age not in school" in english


def test_command_area_scope(bad, neighbour_household):
    data = json.loads(run(area=NEIGHBOUR, format="json"))
    assert data["total"]["households"] == 1
    assert data["violations"] == []


def test_command_xlsx(bad, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "q.xlsx"
    run(area="431129000000", format="xlsx", out=str(path), lang="en")
    book = load_workbook(path, read_only=True)
    rows = list(book["Violations"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Code", "Severity", "Rule") and len(rows) >= 4
    assert {row[0] for row in rows[1:]} >= {"Q04", "Q06"}
    assert all(CHILD_ID not in [str(x) for x in row] for row in rows)


def test_command_errors(tree):
    with pytest.raises(CommandError):
        run(area="999999000000")
    with pytest.raises(CommandError):
        run(area="431129000000", format="xlsx")


def test_console_script_accepts_dashes(household, monkeypatch, capsys):
    from fupin import cli

    monkeypatch.setattr(sys, "argv", ["fupin", "check-quality", "--area", VILLAGE, "--lang", "en"])
    cli.main()
    assert "quality score 100.0" in capsys.readouterr().out


def test_levels_aggregate_from_counts(bad, users):
    # A second, clean household in another township of the county.
    from fupin.registry import services

    h = registered_household(
        actor=users["county"],
        village_code=OTHER_TOWNSHIP_VILLAGE,
        data={"main_cause": "illness", "status": "poor", "status_year": 2016},
    )
    services.member_add(
        actor=users["county"],
        household=h,
        data={
            "id_number": make_id(seq="777"),
            "name": "赵一",
            "relation": "head",
            "education": "junior",
            "labour": "ordinary",
        },
    )
    report = check_area("431129")
    villages = report.scores(12)
    townships = report.scores(9)
    county = report.total()
    assert [s.score for s in villages] == [0.0, 100.0]
    assert [s.score for s in townships] == [0.0, 100.0]
    assert county.score == score(2, 1, 0) == 50.0
    assert sum(s.households for s in villages) == county.households


# ------------------------------------------------------------------ pages


def test_pages_need_login(client, tree):
    response = client.get(reverse("quality:overview"))
    assert response.status_code == 302
    response = client.get(reverse("quality:village", args=[VILLAGE]))
    assert response.status_code == 302


def test_overview_lists_villages_with_scores(client, users, bad, neighbour_household):
    client.force_login(users["county"])
    response = client.get(reverse("quality:overview"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    assert "大坪村" in text and "清塘村" in text
    assert reverse("quality:village", args=[VILLAGE]) in text
    assert "Data quality" in text  # the nav link and the title
    assert "Q06" in text


def test_overview_is_scoped(client, users, bad, neighbour_household):
    client.force_login(users["neighbour"])
    text = client.get(reverse("quality:overview")).content.decode()
    assert "清塘村" in text and "大坪村" not in text


def test_village_page_links_households_and_masks(client, users, bad):
    household, _ = bad
    client.force_login(users["village"])
    response = client.get(reverse("quality:village", args=[VILLAGE]))
    assert response.status_code == 200
    text = response.content.decode()
    assert reverse("household_detail", args=[household.pk]) in text
    assert CHILD_ID not in text
    assert "*" * 14 + CHILD_ID[-4:] in text
    assert "Q04" in text and "Q06" in text
    assert "数据质量" in text  # Chinese by default


def test_village_page_outside_area_is_404(client, users, bad):
    client.force_login(users["neighbour"])
    assert client.get(reverse("quality:village", args=[VILLAGE])).status_code == 404
    client.force_login(users["other_county"])
    assert client.get(reverse("quality:village", args=[VILLAGE])).status_code == 404
    client.force_login(users["county"])
    # A township is not a village.
    assert client.get(reverse("quality:village", args=["431129100000"])).status_code == 404


def test_income_money_is_exact(bad):
    household, _ = bad
    IncomeRecord.objects.filter(household=household).update(wages=Decimal("8000.00"))
    report = check_area(VILLAGE)
    assert "Q04" not in set(report.violations["rule"].to_list())


def test_deceased_member_still_active_is_found_on_the_database(bad, users):
    from fupin.registry import services

    household, _head = bad
    child = household.members.get(relation="daughter")
    services.member_leave(
        actor=users["village"], member=child, kind="death", date=dt.date(2023, 5, 1), reason="病故"
    )
    assert "Q13" not in set(check_area(VILLAGE).violations["rule"].to_list())
    Member.objects.filter(pk=child.pk).update(is_active=True)  # e.g. a bad bulk import
    rows = check_area(VILLAGE).violations.filter(rule="Q13")
    assert rows["member_id"].to_list() == [child.pk]
    assert rows["a"].to_list() == ["2023-05-01"]
