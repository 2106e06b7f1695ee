"""Exclusion clauses a county writes (department list, registry, attestation), the
key-assistance flag as data, the sourced income lines and the examples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import OTHER_COUNTY_VILLAGE, VILLAGE, make_id, member_data
from fupin.core.errors import OutsideArea, ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.policy import clauses as C
from fupin.policy import rules as R
from fupin.policy import seeds
from fupin.policy.evaluation import INCLUSION, MET, NOT_MET, UNKNOWN, evaluate_household
from fupin.policy.models import ExclusionAttestation, PolicySet
from fupin.policy.selectors import current_policy, income_line, key_assistance_counts
from fupin.policy.services import attestation_record, policy_new_version
from fupin.policy.tests.test_policy import assess, clause, covered, income
from fupin.registry import choices as c
from fupin.registry import services as registry

PDF = b"%PDF-1.4 appraisal minutes\n%%EOF\n"
COUNTY = "431129000000"


def county_policy(users, **data):
    base = current_policy(VILLAGE, on=dt.date(2016, 6, 1))
    return policy_new_version(
        actor=users["county"], base=base, data=data, reason="县定", region_code=COUNTY
    )


# ---------------------------------------------------------------- the national lines


def test_national_lines_carry_their_source_and_the_provincial_values_are_gone(db):
    line = {y: current_policy("", on=dt.date(y, 12, 31), year=y) for y in range(2013, 2027)}
    assert {y: int(p.income_line) for y, p in line.items() if y <= 2021} == {
        2013: 2736,
        2014: 2800,
        2015: 2855,
        2016: 2952,
        2017: 2952,
        2018: 2995,
        2019: 3218,
        2020: 4000,
        2021: 6000,
    }
    assert all(p.version == 2 and p.income_line_source for p in line.values())
    verified = {y for y, p in line.items() if p.income_line_verified}
    assert verified == {2013, 2014, 2015, 2019, 2021}
    assert "[U]" in line[2018].income_line_source and "3535" in line[2018].income_line_source
    assert "刘永富" in line[2020].income_line_source
    # Version 1 stays, naming what it was and the rule it applied.
    v1 = PolicySet.objects.get(region__isnull=True, year=2019, version=1)
    assert v1.income_line == Decimal("3747") and "provincial" in v1.income_line_source
    assert v1.combining["rule"] == "one_plus_n" and v1.combining["n"] == 1
    assert line[2019].combining == {"rule": "national"}


def test_the_provincial_lines_apply_in_the_province_only(users):
    made = seeds.seed_provincial_lines(actor=users["admin"], province="430000000000")
    assert [(p.year, int(p.income_line)) for p in made] == [
        (2017, 3335),
        (2018, 3535),
        (2019, 3747),
    ]
    assert all(not p.income_line_verified and "[U]" in p.income_line_source for p in made)
    assert income_line(2019, VILLAGE) == Decimal("3747")
    assert income_line(2019, "520000000000") == Decimal("3218")  # another province
    assert income_line(2020, VILLAGE) == Decimal("4000")
    # Recorded, and run again it adds nothing.
    assert (
        ChangeRecord.objects.filter(
            object_type="policy.policyset", area_code="430000000000"
        ).count()
        == 3
    )
    assert seeds.seed_provincial_lines(actor=users["admin"], province="430000000000") == []


# ---------------------------------------------------------------- examples


@pytest.mark.parametrize("name", sorted(seeds.EXAMPLES))
def test_the_examples_are_valid_policy_data(users, name):
    example = seeds.EXAMPLES[name]
    assert C.clause_errors(example["exclusions"]) == []
    assert R.key_assistance_errors(example["key_assistance"]) == []
    assert C.combining_errors(example["combining"]) == []
    p = seeds.apply_example(actor=users["county"], name=name, region=COUNTY, year=2016)
    assert len(p.exclusions) == {"jianghua": 7, "honghe": 10}[name]
    assert "示例" in p.note and "Example compiled" in p.note
    kinds = {c["kind"] for c in p.exclusions}
    assert kinds == {C.DEPARTMENT, C.REGISTRY, C.ATTESTATION}


def test_clause_errors_name_the_clause_and_the_problem(db):
    with translation.override("en"):
        _clause_errors_in_english()
    with translation.override("zh-hans"):
        errors = C.clause_errors([{"code": "A", "kind": "attestation"}])
    assert errors == ["第1条（A）: 请填写条款内容。"]


def _clause_errors_in_english():
    errors = C.clause_errors(
        [
            {"code": "A", "text": "x", "kind": "department", "rule": "DEATH_ACTIVE"},
            {"code": "A", "text": "y", "kind": "attestation"},
            {"code": "B", "text": "z", "kind": "registry", "field": "phone", "op": ">", "value": 1},
            {"code": "C", "kind": "attestation"},
            {"code": "D", "text": "w", "kind": "registry", "rule": "no_such_rule"},
            {"code": "E", "text": "v", "kind": "oracle"},
        ]
    )
    assert len(errors) == 6
    assert errors[0].startswith("Clause 1 (A)") and "EXCL_VEHICLE" in errors[0]
    assert "twice" in errors[1] and "phone" not in errors[2].split(":")[0]
    assert "text" in errors[3] and "no_such_rule" in errors[4] and "kind" in errors[5]


# ---------------------------------------------------------------- registry clauses


def test_registry_clauses_read_the_members_and_fields(users, household):
    away = {"code": "AWAY", "text": "外出", "kind": "registry", "rule": "household_away_a_year"}
    gone = {"code": "GONE", "text": "无人", "kind": "registry", "rule": "no_member_in_household"}
    land = {
        "code": "LAND",
        "text": "大户",
        "kind": "registry",
        "field": "farmland_mu",
        "op": ">",
        "value": "50",
    }
    policy = county_policy(users, exclusions=[away, gone, land])
    income(users, household, 2016, "2500")
    d = evaluate_household(household, test=INCLUSION, year=2016, policy=policy)
    assert clause(d, "AWAY").outcome == MET and clause(d, "AWAY").values["members"] == 1
    assert clause(d, "GONE").outcome == MET and clause(d, "LAND").outcome == MET
    assert d.eligible is True
    member = household.members.get()
    member.migrant_months = 12
    member.save()
    household.farmland_mu = Decimal("50.5")
    household.save()
    d = evaluate_household(household, test=INCLUSION, year=2016, policy=policy)
    assert clause(d, "AWAY").outcome == NOT_MET and clause(d, "LAND").outcome == NOT_MET
    assert "farmland" in clause(d, "LAND").source or "耕地" in clause(d, "LAND").source
    assert d.eligible is False
    member.is_active = False
    member.save()
    d = evaluate_household(household, test=INCLUSION, year=2016, policy=policy)
    # Nobody left: the away rule cannot be decided (not established, never met).
    assert clause(d, "AWAY").outcome == UNKNOWN and clause(d, "AWAY").reason == "not_established"
    assert clause(d, "GONE").outcome == NOT_MET


# ---------------------------------------------------------------- attestations


def test_an_attestation_clause_is_not_established_until_the_appraisal_records_it(
    users, household, client
):
    policy = county_policy(
        users, exclusions=[{"code": "JH05", "text": "种养大户", "kind": "attestation"}]
    )
    income(users, household, 2016, "2500")
    assess(users, household, 2016)
    d = evaluate_household(household, test=INCLUSION, year=2016, policy=policy)
    assert d.eligible is None and d.deciding == ["JH05"] and d.pending == []
    assert clause(d, "JH05").reason == "not_established"

    a = attestation_record(
        actor=users["village"],
        household=household,
        clause_code="JH05",
        verdict="clear",
        attested_on=dt.date(2016, 10, 1),
        upload=SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf"),
        note="村民代表大会评议",
    )
    d = evaluate_household(household, test=INCLUSION, year=2016, policy=policy)
    assert d.eligible is True and clause(d, "JH05").outcome == MET
    assert "village" in clause(d, "JH05").source and clause(d, "JH05").values["attestation"] == a.pk
    rec = ChangeRecord.objects.get(object_type="policy.exclusionattestation", object_id=str(a.pk))
    assert rec.related_type == "registry.household" and rec.related_id == str(household.pk)
    assert rec.reason == "村民代表大会评议" and rec.user_id == users["village"].pk

    # A later appraisal finds it applies: the latest decides.
    attestation_record(
        actor=users["village"],
        household=household,
        clause_code="JH05",
        verdict="applies",
        attested_on=dt.date(2016, 11, 1),
    )
    d = evaluate_household(household, test=INCLUSION, year=2016, policy=policy)
    assert d.eligible is False and clause(d, "JH05").outcome == NOT_MET

    with pytest.raises(ValidationFailed) as caught:
        attestation_record(
            actor=users["village"],
            household=household,
            clause_code="JH99",
            verdict="clear",
            attested_on=dt.date(2016, 11, 1),
        )
    assert "clause_code" in caught.value.errors
    with pytest.raises(OutsideArea):
        attestation_record(
            actor=users["neighbour"],
            household=household,
            clause_code="JH05",
            verdict="clear",
            attested_on=dt.date(2016, 11, 1),
        )

    # The page: the list and the form; the file; another village's user gets 404.
    client.force_login(users["village"])
    page = client.get(f"/policy/households/{household.pk}/attestations/")
    assert page.status_code == 200 and "JH05" in page.content.decode()
    resp = client.post(
        f"/policy/households/{household.pk}/attestations/",
        {"clause_code": "JH05", "verdict": "clear", "attested_on": "2099-01-01"},
    )
    assert resp.status_code == 422
    resp = client.post(
        f"/policy/households/{household.pk}/attestations/",
        {"clause_code": "JH05", "verdict": "clear", "attested_on": "2016-12-01", "note": "复议"},
    )
    assert resp.status_code == 302 and ExclusionAttestation.objects.count() == 3
    assert client.get(f"/policy/attestations/{a.pk}/file/").status_code == 200
    client.force_login(users["neighbour"])
    assert client.get(f"/policy/households/{household.pk}/attestations/").status_code == 404
    assert client.get(f"/policy/attestations/{a.pk}/file/").status_code == 404


# ---------------------------------------------------------------- key assistance

HEALTH = st.sampled_from([None, *c.Health.values])
LABOUR = st.sampled_from([None, *c.LabourCapacity.values])
MEMBER = st.fixed_dictionaries({"health": HEALTH, "labour": LABOUR})
HOUSEHOLDS = st.lists(st.lists(MEMBER, min_size=0, max_size=5), min_size=1, max_size=8)
CRITERION = st.fixed_dictionaries(
    {
        "code": st.sampled_from(["K1", "K2", "K3"]),
        "text": st.just("重点"),
        "any_member": st.dictionaries(
            st.sampled_from(["health", "labour"]),
            st.lists(st.sampled_from([*c.Health.values, *c.LabourCapacity.values]), max_size=3),
            max_size=2,
        ),
        "no_member": st.dictionaries(
            st.sampled_from(["health", "labour"]),
            st.lists(st.sampled_from([*c.Health.values, *c.LabourCapacity.values]), max_size=3),
            max_size=2,
        ),
    }
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(households=HOUSEHOLDS, criteria=st.lists(CRITERION, max_size=3))
def test_key_assistance_row_and_column_forms_agree(households, criteria):
    rows = [{"household_id": i, **m} for i, members in enumerate(households) for m in members]
    frame = pl.DataFrame(
        rows, schema={"household_id": pl.Int64, "health": pl.String, "labour": pl.String}
    )
    column = {
        r["household_id"]: r["codes"] for r in R.key_assistance_frame(criteria, frame).to_dicts()
    }
    for i, members in enumerate(households):
        row = R.key_assistance_row(criteria, members)
        assert column.get(i, []) == row


def test_key_assistance_on_the_page_in_evaluate_and_in_the_area_count(
    users, household, client, capsys
):
    county_policy(users, key_assistance=[R.ILL_OR_DISABLED_NO_LABOUR])
    member = household.members.get()
    income(users, household, 2016, "2500")
    d = evaluate_household(household, test=INCLUSION, year=2016, on=dt.date(2016, 12, 1))
    assert d.key_assistance == []
    member.health = c.Health.SERIOUS
    member.labour = c.LabourCapacity.LOST
    member.save()
    d = evaluate_household(household, test=INCLUSION, year=2016, on=dt.date(2016, 12, 1))
    assert d.key_assistance == ["KA_ILL_NO_LABOUR"]
    # A second member who can work lifts the flag.
    registry.member_add(
        actor=users["village"],
        household=household,
        data=member_data(
            id_number=make_id(seq="456"),
            name="李二",
            labour=c.LabourCapacity.ORDINARY,
            relation=c.Relation.SPOUSE,
        ),
    )
    d = evaluate_household(household, test=INCLUSION, year=2016, on=dt.date(2016, 12, 1))
    assert d.key_assistance == []
    household.members.filter(name="李二").update(is_active=False)
    counts = key_assistance_counts("431129", on=dt.date(2016, 12, 1))
    row = counts.filter(pl.col("village_id") == VILLAGE).to_dicts()[0]
    assert (row["households"], row["flagged"], row["codes"]) == (1, 1, ["KA_ILL_NO_LABOUR"])
    call_command("key_assistance", "--area", "431129", "--on", "2016-12-01", "--language", "en")
    assert "1 of 1 households flagged" in capsys.readouterr().out


def test_evaluate_prints_kinds_outcomes_and_the_lines_source(users, household, capsys):
    county_policy(
        users,
        exclusions=[
            {
                "code": "V",
                "text": "有车",
                "text_en": "Owns a car",
                "kind": "department",
                "rule": "EXCL_VEHICLE",
            },
            {"code": "JH05", "text": "种养大户", "text_en": "Large grower", "kind": "attestation"},
        ],
        key_assistance=[R.ILL_OR_DISABLED_NO_LABOUR],
    )
    income(users, household, 2016, "2500")
    assess(users, household, 2016)
    covered(household, kinds=("vehicles",))
    call_command(
        "evaluate", "--household", household.number, "--test", "inclusion", "--language", "en"
    )
    out = capsys.readouterr().out
    assert "Inclusion test: undecided" in out
    assert "V [met] (department list) Owns a car" in out
    assert "JH05 [not established] (attestation of the village appraisal) Large grower" in out
    assert "Income line source (not verified)" in out and "tuliu" in out
    assert "Combining rule: National rule" in out and "Key-assistance household: no" in out
    call_command("evaluate", "--household", household.number, "--test", "inclusion")
    out = capsys.readouterr().out
    assert "种养大户" in out


def test_an_open_finding_shows_pending_verification_on_the_household_page(users, household, client):
    from fupin.compare.models import ComparisonRun, Finding

    income(users, household, 2016, "2500")
    assess(users, household, 2016)
    covered(household)
    run = ComparisonRun.objects.filter(kind="vehicles").get()
    Finding.objects.create(
        household=household,
        kind="vehicles",
        rule="EXCL_VEHICLE",
        summary="湘M1",
        run=run,
        fingerprint="p" * 64,
    )
    client.force_login(users["village"])
    text = client.get(f"/households/{household.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "undecided pending verification" in text or "待核实" in text
    other = current_policy(OTHER_COUNTY_VILLAGE, on=dt.date(2016, 6, 1))
    assert other.region_id is None


def test_quality_compares_with_the_line_of_the_households_province(users):
    from fupin.quality import rules as Q

    seeds.seed_provincial_lines(actor=users["admin"], province="430000000000")
    frames = Q.Frames.build(
        households=[
            {"id": 1, "number": "1", "village_code": VILLAGE, "status": c.HouseholdStatus.EXITED},
            {"id": 2, "number": "2", "village_code": "520102001001", "status": "exited"},
        ],
        # 3,500 yuan a head in 2019: under Hunan's 3,747, above the national 3,218.
        incomes=[
            {"household_id": 1, "year": 2019, "household_size": 1, "wages": 350000},
            {"household_id": 2, "year": 2019, "household_size": 1, "wages": 350000},
        ],
    )
    flagged = Q.q04_exited_under_line(frames).to_dicts()
    assert [(r["household_id"], r["c"]) for r in flagged] == [(1, "3747.0")]
