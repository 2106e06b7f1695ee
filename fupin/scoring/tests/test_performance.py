"""Performance assessment with the database: the sources over real records, a missing
source as "no data", and the ranking of a scheme on a crafted values table."""

import datetime as dt
from decimal import Decimal as D

import pytest

from conftest import HOUSEHOLD_DATA, OTHER_TOWNSHIP_VILLAGE, VILLAGE, registered_household
from fupin.assistance import services as assistance
from fupin.registry import services as registry
from fupin.scoring import selectors, services, sources
from fupin.scoring.tests.conftest import COUNTY

TUOJIANG, DALUPU = "431129100000", "431129103000"
START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)


@pytest.fixture
def scheme(users):
    return services.scheme_save(
        actor=users["county"],
        region_code=COUNTY,
        data={"name": "乡镇绩效考核", "year": 2024},
        indicators=[
            {"source": "income_growth", "weight": "2"},
            {"source": "visit_compliance", "weight": "1", "higher_is_better": False},
            {"source": "findings_closed", "weight": "1"},
        ],
    )


def household(users, village, base, current):
    h = registered_household(actor=users["county"], village_code=village, data=dict(HOUSEHOLD_DATA))
    for year, wages in ((2023, base), (2024, current)):
        registry.income_set(
            actor=users["county"],
            household=h,
            year=year,
            data={"household_size": 2, "wages": D(wages)},
        )
    return h


def test_income_growth_per_person(users):
    household(users, VILLAGE, "6000", "6600")  # 3,000 → 3,300 a person: +10%
    household(users, OTHER_TOWNSHIP_VILLAGE, "4000", "4200")  # +5%
    assert sources.income_growth(TUOJIANG, START, END) == D("10.00")
    assert sources.income_growth(DALUPU, START, END) == D("5.00")
    # The county: (6,600 + 4,200) / 4 against (6,000 + 4,000) / 4 → +8%.
    assert sources.income_growth(COUNTY, START, END) == D("8.00")
    assert sources.income_growth(TUOJIANG, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) is None


def test_visit_compliance(users, household):
    c1 = assistance.cadre_create(
        actor=users["county"],
        data={"name": "张帮扶", "unit": "县扶贫办", "rank": "ordinary", "home_area_id": VILLAGE},
    )
    other = registered_household(
        actor=users["county"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
    )
    for h in (household, other):
        assistance.pairing_create(
            actor=users["county"],
            cadre=c1,
            household=h,
            kind="contact",
            start_date=dt.date(2024, 1, 1),
        )
    assistance.visit_record(
        actor=users["county"],
        cadre=c1,
        household=household,
        date=dt.date(2024, 12, 20),
        purpose="follow_up",
    )
    # Two pairings due at the end of 2024 (interval 30 days), one visited in time.
    assert sources.visit_compliance(TUOJIANG, START, END) == D("50.00")
    assert sources.visit_compliance(DALUPU, START, END) is None  # nothing due: no data


def test_a_failing_source_is_no_data_not_an_error(monkeypatch):
    def boom(*args):
        raise RuntimeError("neighbour's bug")

    monkeypatch.setitem(
        sources.SOURCES,
        "income_growth",
        sources.SOURCES["income_growth"].__class__("income_growth", boom, "", "%"),
    )
    assert sources.values_of("income_growth", [TUOJIANG], START, END) == {TUOJIANG: None}


def test_scheme_ranking_on_a_crafted_table(users, scheme):
    # Townships of the test tree: 沱江镇 and 大路铺镇. Income growth 10 vs 5 (weight 2),
    # visit compliance lower-is-better 80 vs 90 (weight 1, crafted to test direction),
    # findings closed: no data at all.
    values = {
        (TUOJIANG, "income_growth"): D("10"),
        (DALUPU, "income_growth"): D("5"),
        (TUOJIANG, "visit_compliance"): D("80"),
        (DALUPU, "visit_compliance"): D("90"),
    }
    result = selectors.performance(user=users["county"], scheme=scheme, values=values)
    rows = [(r.subject.name, r.rank, r.total) for r in result.ranking.rows]
    # 沱江镇: income 100, visits 100 → 100; 大路铺镇: 0 and 0 → 0.
    assert rows == [("沱江镇", 1, D("100.00")), ("大路铺镇", 2, D("0.00"))]
    assert result.ranking.no_data == ["findings_closed"]
    assert [d["no_data"] for d in result.definitions] == [False, False, True]
    assert (result.start, result.end) == (START, END)
    values[(DALUPU, "visit_compliance")] = D("70")  # now 大路铺镇 wins visits: 2·100+0 vs 0+100
    result = selectors.performance(user=users["county"], scheme=scheme, values=values)
    assert [(r.subject.name, r.total) for r in result.ranking.rows] == [
        ("沱江镇", D("66.67")),
        ("大路铺镇", D("33.33")),
    ]


def test_scheme_changes_are_recorded_and_validated(users, scheme):
    from fupin.core.errors import OutsideArea, ValidationFailed
    from fupin.core.history import history_of

    with pytest.raises(ValidationFailed) as exc:
        services.scheme_save(
            actor=users["county"],
            scheme=scheme,
            region_code=COUNTY,
            data={"name": scheme.name, "year": 2024},
            indicators=[{"source": "income_growth", "weight": "0"}, {"source": "nope"}],
        )
    assert len(exc.value.errors["indicators"]) == 2
    services.scheme_save(
        actor=users["county"],
        scheme=scheme,
        region_code=COUNTY,
        data={"name": scheme.name, "year": 2024, "normalisation": "rank"},
        indicators=[{"source": "income_growth", "weight": "3"}],
        reason="权重调整",
    )
    actions = sorted(history_of(scheme).values_list("object_type", "action"))
    assert ("scoring.performanceindicator", "delete") in actions
    assert ("scoring.performancescheme", "update") in actions
    with pytest.raises(OutsideArea):
        selectors.performance(user=users["other_county"], scheme=scheme)


def test_poverty_reduced_comes_from_the_indicators(household):
    # Registered today: yesterday nobody was poor in 沱江镇, today one person is, so the
    # period "reduced" poverty by −1; 大路铺镇 has nobody either day.
    today = dt.date.today()
    got = sources.poverty_reduced_many([TUOJIANG, DALUPU], today - dt.timedelta(days=1), today)
    assert got == {TUOJIANG: D("-1.00"), DALUPU: D("0.00")}
    assert sources.poverty_reduced(TUOJIANG, today - dt.timedelta(days=1), today) == D("-1.00")


def test_a_run_keeps_its_values_and_says_when_the_scheme_changed(users, scheme):
    from django.core.management import call_command

    values = {
        (TUOJIANG, "income_growth"): D("10"),
        (DALUPU, "income_growth"): D("5"),
        (TUOJIANG, "visit_compliance"): D("80"),
        (DALUPU, "visit_compliance"): D("90"),
    }
    assert selectors.performance(user=users["county"], scheme=scheme) is None
    run = services.performance_compute(
        actor=users["county"], scheme=scheme, start=START, end=END, values=values
    )
    assert run.values[TUOJIANG] == {
        "income_growth": "10",
        "visit_compliance": "80",
        "findings_closed": None,
    }
    result = selectors.performance(user=users["county"], scheme=scheme)
    assert result.run == run and not result.stale
    assert [(r.subject.name, r.total) for r in result.ranking.rows] == [
        ("沱江镇", D("100.00")),
        ("大路铺镇", D("0.00")),
    ]
    services.scheme_save(
        actor=users["county"],
        scheme=scheme,
        region_code=COUNTY,
        data={"name": scheme.name, "year": 2024},
        indicators=[{"source": "income_growth", "weight": "1"}],
    )
    result = selectors.performance(user=users["county"], scheme=scheme)
    assert result.stale and len(result.definitions) == 3  # as computed, not as now
    assert (
        selectors.performance(user=users["county"], scheme=scheme, start=START, end=START) is None
    )
    from io import StringIO

    out = StringIO()
    call_command(
        "scoring", "performance", "--scheme", str(scheme.pk), "--user", "county", stdout=out
    )
    text = out.getvalue()
    assert "沱江镇" in text and "no data" in text
    latest = selectors.performance(user=users["county"], scheme=scheme)
    assert (
        latest.run.pk != run.pk and not latest.stale and latest.run.computed_by == users["county"]
    )


def test_departments_are_measured_on_their_own_findings(users):
    """A county department stands for no division: its findings closed are its own
    findings, not the county's (which would give every department the same value)."""
    from fupin.supervision import services as supervision
    from fupin.supervision.choices import FindingStatus
    from fupin.supervision.models import Finding

    county = users["county"]
    supervision.ensure_division_units(actor=county, area_code=COUNTY)
    agri, water = (
        supervision.unit_create(actor=county, name=name, kind="department", area_code=COUNTY)
        for name in ("县农业农村局", "县水利局")
    )
    inspection = supervision.inspection_create(
        actor=users["inspector"],
        title="2024年专项督查",
        kind="special",
        area_code=COUNTY,
        start_date=dt.date(2024, 3, 1),
        end_date=dt.date(2024, 3, 5),
        inspectors=[users["inspector"]],
    )

    def finding(unit, rectified_on=None):
        f = supervision.finding_add(
            actor=users["inspector"],
            inspection=inspection,
            unit=unit,
            found_on=dt.date(2024, 3, 3),
            deadline=dt.date(2024, 4, 30),
            description="项目资金拨付滞后",
            category="funds",
            severity="general",
        )
        if rectified_on:  # the rectification flow itself is supervision's to test
            Finding.objects.filter(pk=f.pk).update(
                status=FindingStatus.RECTIFIED, rectified_on=rectified_on
            )

    finding(agri, dt.date(2024, 4, 20))
    finding(agri, dt.date(2024, 4, 28))
    finding(water, dt.date(2024, 5, 15))  # late
    finding(water)  # never rectified
    scheme = services.scheme_save(
        actor=county,
        region_code=COUNTY,
        data={"name": "部门绩效考核", "year": 2024, "subjects": "unit"},
        indicators=[{"source": "findings_closed", "weight": "1"}],
    )
    run = services.performance_compute(actor=county, scheme=scheme, start=START, end=END)
    by_name = {name: run.values[key]["findings_closed"] for key, name, _a in run.subjects}
    assert by_name["县农业农村局"] == "100.00"
    assert by_name["县水利局"] == "0.00"
    # Measured over the county, both would be 50.00. A township government is still
    # measured over its township: no finding there, so no data (not zero).
    assert by_name["沱江镇人民政府"] is None
