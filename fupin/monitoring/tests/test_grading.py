"""Grading rounds (fupin.monitoring.grading): each default rule, region rules, the refusal
of a round run twice, adjustments (who may, history), comparison counts and the signal
hook of the programme ledgers."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from conftest import NEIGHBOUR, VILLAGE
from fupin.cases.tests.helpers import make_household
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.monitoring import grading, hooks, services
from fupin.monitoring.hooks import register_grade_signal, unregister_grade_signal
from fupin.monitoring.models import (
    Channel,
    GradeColour,
    GradingRound,
    GradingRules,
    HouseholdGrade,
    MonitoringObject,
    MonitoringStatus,
    RiskLevel,
    RiskType,
)
from fupin.registry import services as registry
from fupin.registry.choices import HouseholdStatus, MonitoringType

pytestmark = pytest.mark.django_db

COUNTY = "431129000000"
END_2016 = dt.date(2016, 12, 31)  # the 2016 line is 2952 yuan; records are of 2016


@pytest.fixture(autouse=True)
def _no_other_signals(monkeypatch):
    """The apps above monitoring register their signals (microcredit: overdue loans): the
    rules are tested here without them, the hook with a signal of the test's own."""
    monkeypatch.setattr(hooks, "_signals", {})


def _exited(users, seq, wages="9000", **kw):
    return make_household(users, f"户{seq}", seq, wages=wages, status=HouseholdStatus.EXITED, **kw)


def _grade(h, rnd) -> HouseholdGrade:
    return HouseholdGrade.objects.get(round=rnd, household=h)


def _run(name="2016", as_of=END_2016, area=COUNTY, **kw) -> GradingRound:
    result = grading.grade_round(area=area, name=name, as_of=as_of, **kw)
    assert result.round is not None
    return result.round


def _warn(users, h, level, cause=RiskType.ILLNESS):
    return services.warning_create(
        actor=users["village"],
        household=h,
        channel=Channel.VISIT,
        cause=cause,
        evidence="走访发现",
        proposed_level=level,
    )


def test_default_rules_are_valid():
    assert grading.validate_rules(grading.DEFAULT_RULES) == []


def test_income_rules_on_the_line_and_its_multiples(users):
    # 2016 line 2952: red under it, orange under 1.5× (4428), yellow under 2× (5904)
    red = _exited(users, "501", wages="2951.99")
    at_line = _exited(users, "502", wages="2952")  # not under the line: orange (≤ 4428)
    orange = _exited(users, "503", wages="4427.99")
    yellow = _exited(users, "504", wages="4428")
    blue = _exited(users, "505", wages="5904")  # 2× the line exactly: not under it
    rnd = _run()
    assert (_grade(red, rnd).colour, _grade(red, rnd).reasons) == ("red", ["R1", "O1", "Y1"])
    assert (_grade(at_line, rnd).colour, _grade(at_line, rnd).reasons) == ("orange", ["O1", "Y1"])
    assert _grade(orange, rnd).colour == "orange"
    assert (_grade(yellow, rnd).colour, _grade(yellow, rnd).reasons) == ("yellow", ["Y1"])
    assert (_grade(blue, rnd).colour, _grade(blue, rnd).reasons) == ("blue", [])
    assert rnd.households == 5


def test_an_unmet_guarantee_is_red(users):
    h = _exited(users, "506", water_secured=False)
    rnd = _run()
    assert (_grade(h, rnd).colour, _grade(h, rnd).reasons) == ("red", ["R2"])


def test_no_recent_income_record_is_yellow(users):
    h = _exited(users, "507")
    rnd = _run(as_of=dt.date(2018, 6, 30))  # latest record 2016: older than 2017
    assert (_grade(h, rnd).colour, _grade(h, rnd).reasons) == ("yellow", ["Y4"])
    rnd = _run("2017", as_of=dt.date(2017, 6, 30))  # 2016 is the year before: fine
    assert _grade(h, rnd).colour == "blue"


def test_open_warnings_by_level_on_the_as_of_date(users):
    today = timezone.localdate()
    major, serious, general = _exited(users, "508"), _exited(users, "509"), _exited(users, "510")
    _warn(users, major, RiskLevel.MAJOR)
    _warn(users, serious, RiskLevel.SERIOUS)
    _warn(users, general, RiskLevel.GENERAL)
    rnd = _run(as_of=today)
    # Y4 fires for all three: their income records are of 2016
    assert _grade(major, rnd).colour == "red" and "R3" in _grade(major, rnd).reasons
    assert _grade(serious, rnd).colour == "orange" and "O2" in _grade(serious, rnd).reasons
    assert _grade(general, rnd).reasons == ["Y2", "Y4"]
    # the day before they were raised, they were not open
    before = _run("before", as_of=today - dt.timedelta(days=1))
    assert _grade(major, before).reasons == ["Y4"]


def test_monitoring_object_risk_level(users):
    h = make_household(users, "户511", "511", wages="9000", status=HouseholdStatus.MONITORED)
    MonitoringObject.objects.create(
        household=h,
        monitoring_type=MonitoringType.UNSTABLE_EXITED,
        status=MonitoringStatus.ACTIVE,
        risk_level=RiskLevel.SERIOUS,
        risk_types=[RiskType.ILLNESS],
        started_on=dt.date(2016, 6, 1),
    )
    poor = make_household(users, "户512", "512", wages="100", status=HouseholdStatus.POOR)
    rnd = _run()
    assert (_grade(h, rnd).colour, _grade(h, rnd).reasons) == ("orange", ["O3", "Y3"])
    # a household in poverty is not graded (it is not exited nor monitored)
    assert not HouseholdGrade.objects.filter(household=poor).exists()


def test_a_ledger_signal_through_the_hook(users):
    h, other = _exited(users, "513"), _exited(users, "514")
    seen = {}

    def overdue(ids, as_of):
        seen["ids"], seen["as_of"] = set(ids), as_of
        return {h.pk}

    register_grade_signal("overdue_loan", "Overdue loan", overdue)
    try:
        rnd = _run()
    finally:
        unregister_grade_signal("overdue_loan")
    assert seen == {"ids": {h.pk, other.pk}, "as_of": END_2016}
    assert (_grade(h, rnd).colour, _grade(h, rnd).reasons) == ("orange", ["O4"])
    assert _grade(other, rnd).colour == "blue"
    # unregistered now: the rule names a signal no one offers, and the result says so
    result = grading.grade_round(area=COUNTY, name="again", as_of=END_2016, dry_run=True)
    assert "overdue_loan" in result.missing_signals


def test_region_rules_win_over_the_national_row_and_the_defaults(users):
    h = _exited(users, "515", wages="5000")  # default: yellow (under 2× the line)
    assert grading.rules_for(VILLAGE)[1] == "default"
    national = {"rules": [{"id": "N", "colour": "red", "when": {"income_under_line": 2}}]}
    county = {"rules": [{"id": "C", "colour": "orange", "when": {"income_under_line": 3}}]}
    grading.rules_set(actor=None, region=None, rules=national, note="全国")
    assert grading.rules_for(VILLAGE) == (national, "")
    grading.rules_set(actor=None, region=COUNTY, rules=county, note="县规则")
    assert grading.rules_for(VILLAGE) == (county, COUNTY)
    assert grading.rules_for("431128100201") == (national, "")  # another county
    rnd = _run()
    assert (_grade(h, rnd).colour, _grade(h, rnd).reasons) == ("orange", ["C"])
    assert rnd.rules == county and rnd.rules_source == COUNTY
    # setting rules is recorded
    row = GradingRules.objects.get(region_id=COUNTY)
    assert history_of(row).filter(action=ChangeAction.CREATE, reason="县规则").exists()


def test_invalid_rules_are_refused_with_the_reason():
    bad = {
        "rules": [
            {"id": "A", "colour": "purple", "when": {"income_under_line": 1}},
            {"id": "A", "colour": "red", "when": {"guess": 1}},
            {"id": "B", "colour": "red", "when": {"open_warning": "huge"}},
        ]
    }
    with pytest.raises(ValidationFailed) as exc, override("en"):
        grading.rules_set(actor=None, region=None, rules=bad)
    errors = exc.value.errors["rules"]
    assert len(errors) == 4 and "rule 2" in errors[1] and "twice" in errors[1]
    assert not GradingRules.objects.exists()


def test_a_round_name_is_used_once_per_area_and_a_dry_run_writes_nothing(users):
    _exited(users, "516")
    dry = grading.grade_round(area=COUNTY, name="2016", as_of=END_2016, dry_run=True)
    assert dry.round is None and dry.households == 1 and dry.counts["blue"] == 1
    assert not GradingRound.objects.exists() and not HouseholdGrade.objects.exists()
    _run()
    with pytest.raises(grading.RoundExists):
        _run()
    assert GradingRound.objects.count() == 1 and HouseholdGrade.objects.count() == 1
    _run(area="431129100000")  # the same name in another area is another round
    assert GradingRound.objects.count() == 2


def test_every_grade_is_in_the_households_history(users):
    h = _exited(users, "517", wages="100")
    rnd = _run()
    g = _grade(h, rnd)
    rec = history_of(h).get(object_type="monitoring.householdgrade")
    assert rec.object_id == str(g.pk) and rec.action == ChangeAction.CREATE
    assert rec.post_data["colour"] == "red" and rec.post_data["reasons"] == ["R1", "O1", "Y1"]
    assert rec.reason == "2016" and rec.area_code == VILLAGE
    assert ChangeRecord.objects.filter(object_type="monitoring.gradinground").count() == 1


def test_adjustment_township_yes_village_no_outside_area_not_found(users):
    h = _exited(users, "518", wages="100")
    g = _grade(h, _run())
    with pytest.raises(NotAllowed):
        grading.grade_adjust(actor=users["village"], grade=g, colour="yellow", reason="核实")
    with pytest.raises(OutsideArea):
        grading.grade_adjust(actor=users["other_county"], grade=g, colour="yellow", reason="x")
    with pytest.raises(ValidationFailed):
        grading.grade_adjust(actor=users["township"], grade=g, colour="yellow", reason=" ")
    g = grading.grade_adjust(
        actor=users["township"], grade=g, colour="yellow", reason="已就业，收入稳定"
    )
    g.refresh_from_db()
    assert (g.computed_colour, g.colour, g.adjusted_by, g.adjusted) == (
        "red",
        "yellow",
        users["township"],
        True,
    )
    rec = history_of(h).get(action=ChangeAction.UPDATE, object_type="monitoring.householdgrade")
    assert rec.changes["colour"] == ["red", "yellow"] and rec.reason == "已就业，收入稳定"
    assert rec.user == users["township"]


def test_a_refused_adjustment_names_the_grading_decision(users):
    """The adjustment is its own decision of the authority table (grade.adjust), not the
    lowering of a risk level: the village user reads what was refused and who may."""
    g = _grade(_exited(users, "540", wages="100"), _run())
    assert grading.may_adjust(users["township"], g) and not grading.may_adjust(users["village"], g)
    with override("en"), pytest.raises(NotAllowed) as refused:
        grading.grade_adjust(actor=users["village"], grade=g, colour="yellow", reason="核实")
    message = str(refused.value)
    assert "Adjust a household's colour in a grading round" in message
    assert "risk level" not in message
    with override("zh-hans"), pytest.raises(NotAllowed) as refused:
        grading.grade_adjust(actor=users["village"], grade=g, colour="yellow", reason="核实")
    assert "调整农户在分级轮次中的颜色" in str(refused.value)


def test_a_closed_round_is_not_adjusted(users):
    h = _exited(users, "519", wages="100")
    first = _run("H1", as_of=dt.date(2016, 6, 30))
    _run("H2")
    with pytest.raises(grading.RoundClosed):
        grading.grade_adjust(
            actor=users["township"], grade=_grade(h, first), colour="blue", reason="x"
        )


def test_previous_colour_and_comparison_counts(users):
    up = _exited(users, "520", wages="9000")
    down = _exited(users, "521", wages="100")
    same = _exited(users, "522", wages="100")
    a = _run("H1", as_of=dt.date(2016, 6, 30))
    grading.grade_adjust(
        actor=users["township"], grade=_grade(same, a), colour="yellow", reason="x"
    )
    registry.income_set(
        actor=users["village"],
        household=up,
        year=2016,
        data={"household_size": 1, "wages": Decimal("100")},
    )
    registry.income_set(
        actor=users["village"],
        household=down,
        year=2016,
        data={"household_size": 1, "wages": Decimal("9000")},
    )
    new = _exited(users, "523", wages="9000", village=NEIGHBOUR)
    b = _run("H2")
    assert (_grade(up, b).previous_colour, _grade(up, b).movement) == ("blue", 1)
    assert (_grade(down, b).previous_colour, _grade(down, b).movement) == ("red", -1)
    # the previous colour is the adjusted one: yellow, now red again
    assert (_grade(same, b).previous_colour, _grade(same, b).movement) == ("yellow", 1)
    assert (_grade(new, b).previous_colour, _grade(new, b).movement) == ("", 0)
    cmp = grading.compare(a, b)
    assert [r["id"] for r in cmp.up] == sorted([up.pk, same.pk])
    assert [(r["id"], r["from"], r["to"]) for r in cmp.down] == [(down.pk, "red", "blue")]
    assert (cmp.same, cmp.only_a, cmp.only_b) == (0, 0, 1)
    assert cmp.villages[VILLAGE]["a"] == {"red": 1, "orange": 0, "yellow": 1, "blue": 1}
    assert cmp.villages[VILLAGE]["b"] == {"red": 2, "orange": 0, "yellow": 0, "blue": 1}
    assert cmp.villages[NEIGHBOUR]["b"]["blue"] == 1 and cmp.totals("b")["blue"] == 2
    # inside one village only
    assert set(grading.compare(a, b, prefix=NEIGHBOUR).villages) == {NEIGHBOUR}


def test_grading_takes_exited_households_outside_the_area_not(users):
    _exited(users, "524")
    other = make_household(
        {**users, "county": users["other_county"]},
        "户525",
        "525",
        wages="9000",
        status=HouseholdStatus.EXITED,
        village="431128100201",
    )
    rnd = _run()
    assert not HouseholdGrade.objects.filter(round=rnd, household=other).exists()
    assert rnd.households == 1
    assert (
        GradeColour.BLUE
        in grading.grade_round(area=COUNTY, name="x", as_of=END_2016, dry_run=True).counts
    )


# ---------------------------------------------------------------- pages and command


def test_round_page_is_scoped_and_filters(client, users):
    own = _exited(users, "530", wages="100")
    neighbour = make_household(
        {**users, "village": users["neighbour"]},
        "户531",
        "531",
        wages="9000",
        status=HouseholdStatus.EXITED,
        village=NEIGHBOUR,
    )
    rnd = _run()
    url = reverse("monitoring:grade_round", args=[rnd.pk])
    client.force_login(users["village"])
    page = client.get(url).content.decode()
    assert own.number in page and neighbour.number not in page
    assert reverse("monitoring:grade_adjust", args=[_grade(own, rnd).pk]) not in page
    client.force_login(users["township"])
    page = client.get(url).content.decode()
    assert own.number in page and neighbour.number in page
    assert reverse("monitoring:grade_adjust", args=[_grade(own, rnd).pk]) in page
    page = client.get(url, {"colour": "red"}).content.decode()
    assert own.number in page and neighbour.number not in page
    client.force_login(users["other_county"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("monitoring:grade_rounds")).status_code == 200
    assert rnd.name not in client.get(reverse("monitoring:grade_rounds")).content.decode()


def test_adjust_page_rights(client, users):
    h = _exited(users, "532", wages="100")
    g = _grade(h, _run())
    url = reverse("monitoring:grade_adjust", args=[g.pk])
    client.force_login(users["village"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"colour": "blue", "reason": "x"}).status_code == 403
    client.force_login(users["other_county"])
    assert client.get(url).status_code == 404
    client.force_login(users["township"])
    assert client.post(url, {"colour": "blue", "reason": ""}).status_code == 422
    resp = client.post(url, {"colour": "blue", "reason": "已核实，收入达标"})
    assert resp.status_code == 302
    g.refresh_from_db()
    assert (g.colour, g.adjustment_reason) == ("blue", "已核实，收入达标")


def test_move_filter_compare_page_and_export(client, users):
    h = _exited(users, "533", wages="9000")
    a = _run("H1", as_of=dt.date(2016, 6, 30))
    registry.income_set(
        actor=users["village"],
        household=h,
        year=2016,
        data={"household_size": 1, "wages": Decimal("100")},
    )
    b = _run("H2")
    client.force_login(users["township"])
    url = reverse("monitoring:grade_round", args=[b.pk])
    assert h.number in client.get(url, {"move": "up"}).content.decode()
    assert h.number not in client.get(url, {"move": "down"}).content.decode()
    page = client.get(reverse("monitoring:grade_compare"), {"a": a.pk, "b": b.pk})
    assert page.status_code == 200 and h.number in page.content.decode()
    resp = client.get(reverse("monitoring:grade_export", args=[b.pk]))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxml")
    book = openpyxl.load_workbook(io.BytesIO(resp.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == h.number and rows[1][1] == "户533" and len(rows) == 2


def test_household_page_shows_the_latest_grade(client, users):
    h = _exited(users, "534", wages="100")
    _run("H1", as_of=dt.date(2016, 6, 30))
    _run("H2")
    client.force_login(users["village"])
    page = client.get(reverse("household_detail", args=[h.pk])).content.decode()
    assert "household-grade" in page and "H2" in page
    assert "Net income per person under the income line" in page or "人均纯收入" in page


def test_grade_command_refuses_a_repeated_round_and_compares(users):
    _exited(users, "535", wages="100")
    out = StringIO()
    call_command(
        "monitoring",
        "grade",
        "--area",
        COUNTY,
        "--round",
        "H1",
        "--as-of",
        "2016-06-30",
        stdout=out,
    )
    assert "1" in out.getvalue() and GradingRound.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("monitoring", "grade", "--area", COUNTY, "--round", "H1", stdout=StringIO())
    call_command(
        "monitoring",
        "grade",
        "--user",
        "county",
        "--area",
        COUNTY,
        "--round",
        "H2",
        "--as-of",
        "2016-12-31",
        stdout=StringIO(),
    )
    out = StringIO()
    call_command("monitoring", "grade", "--area", COUNTY, "--compare", "H1", "H2", stdout=out)
    assert GradingRound.objects.get(name="H2").run_by == users["county"]
    with pytest.raises(CommandError):  # outside the user's area
        call_command(
            "monitoring", "grade", "--user", "other_county", "--area", COUNTY, "--round", "H3"
        )
    lines = out.getvalue().splitlines()
    assert f"{VILLAGE}\tH1\t1\t0\t0\t0" in lines and f"{VILLAGE}\tH2\t1\t0\t0\t0" in lines
    # The colours' columns are headed by their labels in the user's language, not codes.
    assert "行政村\t轮次\t红色\t橙色\t黄色\t蓝色" in lines


def test_grade_rules_command_shows_each_rules_colour_by_its_label(users):
    out = StringIO()
    call_command("monitoring", "grade-rules", "--area", COUNTY, stdout=out)
    shown = [line.split("\t") for line in out.getvalue().splitlines() if "\t" in line]
    assert shown and {cells[1] for cells in shown} <= {"红色", "橙色", "黄色", "蓝色"}
    with override("en"):
        out = StringIO()
        call_command("monitoring", "grade-rules", "--area", COUNTY, stdout=out)
    assert "\tRed (红)\t" in out.getvalue() and "\tred\t" not in out.getvalue()


def test_grade_rules_command_sets_and_refuses(users, tmp_path):
    good = tmp_path / "rules.json"
    good.write_text(
        json.dumps({"rules": [{"id": "X", "colour": "red", "when": {"income_under_line": 3}}]})
    )
    call_command(
        "monitoring", "grade-rules", "--area", COUNTY, "--set", str(good), stdout=StringIO()
    )
    assert grading.rules_for(VILLAGE)[1] == COUNTY
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rules": [{"id": "X", "colour": "red", "when": {}}]}))
    with pytest.raises(CommandError):
        call_command("monitoring", "grade-rules", "--set", str(bad), stdout=StringIO())
