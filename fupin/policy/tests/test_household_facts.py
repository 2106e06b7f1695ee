"""The household's rows read once for both tests (the household page's policy panel)."""

from __future__ import annotations

import datetime as dt

from django.db.models import prefetch_related_objects
from django.utils import timezone

from conftest import VILLAGE
from fupin.compare.models import ComparisonRun, Finding, FindingStatus
from fupin.policy.evaluation import EXIT, INCLUSION, HouseholdFacts, evaluate_household
from fupin.policy.selectors import current_policy
from fupin.policy.services import policy_new_version
from fupin.policy.tests.test_policy import assess, covered, income


def _finding(household, status=FindingStatus.OPEN):
    run = ComparisonRun.objects.create(
        kind="vehicles", file_name="cars.xlsx", area_code=VILLAGE, finished_at=timezone.now()
    )
    return Finding.objects.create(
        household=household,
        kind="vehicles",
        rule="EXCL_VEHICLE",
        summary="湘M12345 小型轿车",
        run=run,
        fingerprint="x" * 64,
        status=status,
    )


def test_facts_give_the_same_decisions_as_reading_each_time(users, household):
    income(users, household, 2015, "3100")
    income(users, household, 2016, "2500")
    assess(users, household, 2015)
    assess(users, household, 2016, housing_secured=False)
    _finding(household, status=FindingStatus.CONFIRMED)
    facts = HouseholdFacts.of(household)
    for test in (INCLUSION, EXIT):
        for year in (None, 2015, 2016, 2017):
            alone = evaluate_household(household, test=test, year=year)
            shared = evaluate_household(household, test=test, year=year, facts=facts)
            assert shared.as_json() == alone.as_json()
    latest = evaluate_household(household, test=INCLUSION, facts=facts)
    assert latest.year == 2016 and latest.eligible is False  # the confirmed vehicle excludes


def test_stable_years_read_the_earlier_incomes_from_the_facts(users, household):
    national = current_policy(VILLAGE, on=dt.date(2016, 6, 1))
    policy_new_version(
        actor=users["county"],
        base=national,
        data={"stable_years": 2, "effective_from": dt.date(2016, 1, 1)},
        reason="two years above the line",
        region_code="431129000000",
    )
    income(users, household, 2015, "2000")
    income(users, household, 2016, "3100")
    assess(users, household, 2016)
    facts = HouseholdFacts.of(household)
    d = evaluate_household(household, test=EXIT, on=dt.date(2016, 12, 1), facts=facts)
    assert d.eligible is False  # 2015 was under its line
    assert "2015: 2000.00" in d.clauses[0].values["earlier_years"]
    alone = evaluate_household(household, test=EXIT, on=dt.date(2016, 12, 1))
    assert d.as_json() == alone.as_json()


def test_both_tests_from_prefetched_rows_read_the_policy_and_findings_once(
    users, household, django_assert_num_queries
):
    income(users, household, 2016, "2500")
    assess(users, household, 2016)
    covered(household)  # every department list compared, nothing found
    _finding(household, status=FindingStatus.DISMISSED)  # does not count
    prefetch_related_objects([household], "incomes", "assessments")
    # The policy set, the findings, the comparison runs (the national default has
    # department clauses only: no members or attestations are read).
    with django_assert_num_queries(3):
        facts = HouseholdFacts.of(household)
        inclusion = evaluate_household(household, test=INCLUSION, facts=facts)
        exit_ = evaluate_household(household, test=EXIT, facts=facts)
    assert inclusion.eligible is True and exit_.eligible is False
