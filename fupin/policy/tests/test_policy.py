"""Policy as data: which set applies, the decision clause by clause, versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from conftest import VILLAGE
from fupin.core.errors import NotAllowed, ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.policy import clauses as C
from fupin.policy.evaluation import EXIT, INCLUSION, MET, NOT_MET, UNKNOWN, evaluate_household
from fupin.policy.models import PolicySet
from fupin.policy.selectors import current_policy
from fupin.policy.services import policy_new_version
from fupin.registry import services as registry
from fupin.registry.models import Assessment

ALL_MET = dict.fromkeys(Assessment.CONDITIONS, True)


def income(users, household, year, wages, size=1):
    registry.income_set(
        actor=users["village"],
        household=household,
        year=year,
        data={"household_size": size, "wages": Decimal(wages)},
    )


def assess(users, household, year, **conditions):
    registry.assessment_set(
        actor=users["village"],
        household=household,
        year=year,
        data={**ALL_MET, **conditions, "assessed_on": dt.date(year, 11, 1), "assessor": "王"},
    )


def covered(household, kinds=("vehicles", "real_estate", "public_employees", "business")):
    """A finished comparison of each department list over the household's village that
    found nothing: the department clauses hold."""
    from django.utils import timezone

    from fupin.compare.models import ComparisonRun

    for kind in kinds:
        ComparisonRun.objects.create(
            kind=kind,
            file_name=f"{kind}.xlsx",
            area_code=household.village_id,
            finished_at=timezone.now(),
        )


def clause(decision, code):
    return next(c for c in decision.clauses if c.code == code)


def test_national_defaults_are_data(db):
    assert current_policy(VILLAGE, on=dt.date(2016, 6, 1)).income_line == Decimal("2952")
    assert current_policy(VILLAGE, on=dt.date(2020, 6, 1)).income_line == Decimal("4000")
    later = current_policy(VILLAGE, on=dt.date(2023, 6, 1))
    assert later.monitoring_threshold == Decimal("6000")
    assert current_policy(VILLAGE, on=dt.date(2016, 6, 1)).notice_days == 7


def test_income_under_the_line_includes_and_names_the_values(users, household):
    income(users, household, 2016, "2500")
    assess(users, household, 2016)
    covered(household)
    d = evaluate_household(household, test=INCLUSION, year=2016)
    assert d.eligible is True
    c = clause(d, C.INCOME_UNDER_LINE)
    assert c.outcome == MET
    assert c.values == {
        "net_income_per_person": "2500.00",
        "line": "2952.00",
        "comparison": "<",
        "year": 2016,
    }
    assert "2016" in c.source
    assert clause(d, C.GUARANTEE_FAILED).outcome == NOT_MET


def test_income_above_the_line_with_all_guarantees_is_not_included_but_may_exit(users, household):
    income(users, household, 2016, "3100")
    assess(users, household, 2016)
    inclusion = evaluate_household(household, test=INCLUSION, year=2016)
    assert inclusion.eligible is False
    exit_ = evaluate_household(household, test=EXIT, year=2016)
    assert exit_.eligible is True
    assert [c.outcome for c in exit_.clauses] == [MET, MET]


def test_a_failed_guarantee_above_the_line_is_for_review_nationally_and_blocks_exit(
    users, household
):
    income(users, household, 2016, "3100")
    assess(users, household, 2016, housing_secured=False)
    covered(household)
    # The national rule: income is the basic ground; the guarantee is weighed (flagged).
    national = evaluate_household(household, test=INCLUSION, year=2016)
    assert national.eligible is False and national.review is True
    assert national.combining == "national" and clause(national, C.GUARANTEE_FAILED).weighed
    # A region's 1+N rule (N = 1 over all conditions) includes it.
    policy = policy_new_version(
        actor=users["county"],
        base=current_policy(VILLAGE, on=dt.date(2016, 6, 1)),
        data={"combining": {"rule": "one_plus_n", "n": 1}},
        reason="1+N",
        region_code="431129000000",
    )
    d = evaluate_household(household, test=INCLUSION, year=2016, policy=policy)
    assert d.eligible is True and d.review is False and d.combining == "one_plus_n"
    # N = 2: one failed condition is not enough.
    two = policy_new_version(
        actor=users["county"],
        base=policy,
        data={"combining": {"rule": "one_plus_n", "n": 2}},
        reason="1+2",
    )
    assert evaluate_household(household, test=INCLUSION, year=2016, policy=two).eligible is False
    d = evaluate_household(household, test=EXIT, year=2016)
    assert d.eligible is False
    failed = d.failed
    assert [c.code for c in failed] == [C.GUARANTEES_MET]
    assert failed[0].values["housing_secured"] is False


def test_missing_data_is_unknown_not_a_guess(users, household):
    d = evaluate_household(household, test=EXIT)
    assert d.eligible is None
    assert {c.outcome for c in d.clauses} == {UNKNOWN}


def test_a_department_clause_is_pending_refused_or_holding_by_the_finding(users, household):
    from fupin.compare.models import ComparisonRun, Finding, FindingStatus

    income(users, household, 2016, "2500")
    assess(users, household, 2016)
    # No comparison of any list yet: the department clauses are not established.
    d = evaluate_household(household, test=INCLUSION, year=2016)
    assert d.eligible is None and d.pending == []
    assert clause(d, "EXCL_VEHICLE").outcome == UNKNOWN
    assert clause(d, "EXCL_VEHICLE").reason == "not_established"
    assert set(d.deciding) == {
        "EXCL_VEHICLE",
        "EXCL_TOWN_HOUSING",
        "EXCL_PUBLIC_EMPLOYEE",
        "EXCL_BUSINESS",
    }
    covered(household, kinds=("real_estate", "public_employees", "business"))
    run = ComparisonRun.objects.create(kind="vehicles", file_name="cars.xlsx", area_code=VILLAGE)
    finding = Finding.objects.create(
        household=household,
        kind="vehicles",
        rule="EXCL_VEHICLE",
        summary="湘M12345 小型轿车",
        run=run,
        fingerprint="x" * 64,
    )
    # An open finding: undecided, pending its verification, not "not eligible".
    d = evaluate_household(household, test=INCLUSION, year=2016)
    assert d.eligible is None and d.pending == ["EXCL_VEHICLE"] == d.deciding
    hit = clause(d, "EXCL_VEHICLE")
    assert hit.outcome == UNKNOWN and hit.reason == "pending_verification"
    assert hit.values["finding"] == finding.pk and "cars.xlsx" in hit.source
    # Confirmed: not eligible.
    finding.status = FindingStatus.CONFIRMED
    finding.save()
    d = evaluate_household(household, test=INCLUSION, year=2016)
    assert d.eligible is False and clause(d, "EXCL_VEHICLE").outcome == NOT_MET
    # Dismissed: the run (finished or not) found nothing that counts, but only a finished
    # comparison shows the clause holds.
    finding.status = FindingStatus.DISMISSED
    finding.save()
    assert evaluate_household(household, test=INCLUSION, year=2016).eligible is None
    run.finished_at = run.started_at
    run.save()
    finding.save()
    assert evaluate_household(household, test=INCLUSION, year=2016).eligible is True


def test_a_county_version_overrides_the_national_set_from_its_date(users, household):
    national = current_policy(VILLAGE, on=dt.date(2016, 6, 1))
    county = policy_new_version(
        actor=users["county"],
        base=national,
        data={"income_line": Decimal("3200"), "effective_from": dt.date(2016, 7, 1)},
        reason="县定标准",
        region_code="431129000000",
    )
    assert county.version == 1 and county.region_id == "431129000000"
    assert current_policy(VILLAGE, on=dt.date(2016, 6, 30)).pk == national.pk
    assert current_policy(VILLAGE, on=dt.date(2016, 7, 1)).pk == county.pk
    # Another county keeps the national line.
    assert current_policy("431128100201", on=dt.date(2016, 8, 1)).pk == national.pk
    rec = ChangeRecord.objects.get(object_type="policy.policyset", object_id=str(county.pk))
    assert rec.reason == "县定标准"
    assert rec.changes["income_line"] == ["2952.00", "3200.00"]
    # A change from the version it follows: the fields edited, the region, the new keys.
    assert rec.action == "create" and rec.area_code == "431129000000"
    assert rec.user_id == users["county"].pk and rec.user_name == users["county"].username
    assert rec.changes["effective_from"] == [str(national.effective_from), "2016-07-01"]
    assert rec.changes["region_id"] == [national.region_id, "431129000000"]
    assert "notice_days" not in rec.changes and "year" not in rec.changes
    assert rec.post_data["version"] == 1
    # Evaluations use the new line; 3,100 is now under it.
    income(users, household, 2016, "3100")
    assess(users, household, 2016)
    covered(household)
    d = evaluate_household(household, test=INCLUSION, year=2016, on=dt.date(2016, 12, 1))
    assert clause(d, C.INCOME_UNDER_LINE).values["line"] == "3200.00"
    assert d.eligible is True


def test_only_the_county_office_of_the_area_may_change_policy(users):
    national = current_policy(VILLAGE, on=dt.date(2016, 6, 1))
    data = {"income_line": Decimal("3000")}
    with pytest.raises(NotAllowed):
        policy_new_version(
            actor=users["village"], base=national, data=data, reason="x", region_code="431129000000"
        )
    with pytest.raises(NotAllowed):  # the national default is the administrator's
        policy_new_version(actor=users["county"], base=national, data=data, reason="x")
    with pytest.raises(ValidationFailed):
        policy_new_version(
            actor=users["county"], base=national, data=data, reason=" ", region_code="431129000000"
        )
    with pytest.raises(ValidationFailed):
        policy_new_version(
            actor=users["county"],
            base=national,
            data={"income_line": Decimal("0")},
            reason="x",
            region_code="431129000000",
        )
    assert PolicySet.objects.filter(region__isnull=False).count() == 0


def test_evaluate_command_prints_every_clause(users, household, capsys):
    income(users, household, 2016, "2500")
    assess(users, household, 2016)
    covered(household)
    call_command("evaluate", "--household", household.number, "--language", "en")
    out = capsys.readouterr().out
    assert "Inclusion test: eligible" in out
    assert "Exit test: not eligible" in out
    assert "net_income_per_person=2500.00" in out and "line=2952.00" in out
    assert "EXCL_VEHICLE" in out


def test_household_page_shows_the_decision(client, users, household):
    income(users, household, 2016, "2500")
    assess(users, household, 2016)
    client.force_login(users["village"])
    page = client.get(f"/households/{household.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Decision of the policy in force" in text or "现行政策判定" in text
    assert "2500.00" in text and "2952.00" in text


def clause_rows(rows):
    """The clause formset of the new-version page as posted: rows of dicts."""
    data = {
        "clauses-TOTAL_FORMS": str(len(rows)),
        "clauses-INITIAL_FORMS": "4",
        "clauses-MIN_NUM_FORMS": "0",
        "clauses-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"clauses-{i}-{key}"] = value
    return data


BASE_FORM = {
    "scope": "431129000000",
    "effective_from": "2016-07-01",
    "income_line": "3100",
    "income_line_source": "湘政办发〔2016〕1号",
    "notice_days": "10",
    "appeal_days": "15",
    "stable_years": "2",
    "four_eyes": "on",
    "combining_rule": "national",
    "reason": "县定标准",
}


def test_policy_pages(client, users):
    national = current_policy(VILLAGE, on=dt.date(2016, 6, 1))
    client.force_login(users["county"])
    assert client.get("/policy/").status_code == 200
    assert client.get(f"/policy/{national.pk}/").status_code == 200
    form = client.get(f"/policy/{national.pk}/new-version/").content.decode()
    assert 'name="clauses-3-code" value="EXCL_BUSINESS"' in form
    # Keep the car clause, remove two, reword one, add an attestation and a field clause.
    rows = [
        {"code": "EXCL_VEHICLE", "source": "department:EXCL_VEHICLE"},
        {"code": "EXCL_TOWN_HOUSING", "source": "department:EXCL_TOWN_HOUSING", "DELETE": "on"},
        {
            "code": "EXCL_PUBLIC_EMPLOYEE",
            "source": "department:EXCL_PUBLIC_EMPLOYEE",
            "DELETE": "on",
        },
        {
            "code": "EXCL_BUSINESS",
            "text": "开办公司",
            "text_en": "Runs a company",
            "source": "department:EXCL_BUSINESS",
        },
        {"code": "JH05", "text": "种养大户", "source": "attestation"},
        {
            "code": "JH08",
            "text": "耕地超过50亩",
            "source": "registry_field",
            "field": "farmland_mu",
            "op": ">",
            "value": "50",
        },
    ]
    page = client.post(f"/policy/{national.pk}/new-version/", {**BASE_FORM, **clause_rows(rows)})
    assert page.status_code == 302
    new = PolicySet.objects.get(region_id="431129000000")
    assert new.notice_days == 10 and new.exclusions == [
        {"code": "EXCL_VEHICLE", "kind": "department", "rule": "EXCL_VEHICLE"},
        {
            "code": "EXCL_BUSINESS",
            "text": "开办公司",
            "text_en": "Runs a company",
            "kind": "department",
            "rule": "EXCL_BUSINESS",
        },
        {"code": "JH05", "text": "种养大户", "kind": "attestation"},
        {
            "code": "JH08",
            "text": "耕地超过50亩",
            "kind": "registry",
            "field": "farmland_mu",
            "op": ">",
            "value": "50",
        },
    ]
    assert new.stable_years == 2 and new.combining == {"rule": "national"}
    # A new line without a verified source: its own source, unverified.
    assert new.income_line_source == "湘政办发〔2016〕1号" and not new.income_line_verified
    detail = client.get(f"/policy/{new.pk}/").content.decode()
    assert "稳定脱贫须连续高于标准的年数" in detail
    assert "湘政办发〔2016〕1号" in detail and "JH08" in detail
    # Invalid clauses: a 422 naming the clause, nothing saved.
    bad = [
        {"code": "EXCL_VEHICLE", "source": "department:EXCL_VEHICLE"},
        {"code": "EXCL_VEHICLE", "text": "重复", "source": "attestation"},
        {
            "code": "F1",
            "text": "面积",
            "source": "registry_field",
            "field": "farmland_mu",
            "op": ">",
            "value": "很多",
        },
    ]
    page = client.post(f"/policy/{new.pk}/new-version/", {**BASE_FORM, **clause_rows(bad)})
    assert page.status_code == 422
    text = page.content.decode()
    assert "EXCL_VEHICLE" in text and "F1" in text
    assert "第2条" in text or "Clause 2" in text
    # 1+N with an N above the conditions named: refused on the combining rule.
    page = client.post(
        f"/policy/{new.pk}/new-version/",
        {
            **BASE_FORM,
            "combining_rule": "one_plus_n",
            "combining_n": "3",
            "combining_conditions": ["food_secure", "housing_secured"],
        },
    )
    assert page.status_code == 422
    assert PolicySet.objects.filter(region_id="431129000000").count() == 1
    client.force_login(users["village"])
    assert client.get(f"/policy/{national.pk}/new-version/").status_code == 403
    client.force_login(users["other_county"])
    assert client.get(f"/policy/{new.pk}/").status_code == 404
