"""The demo generator: deterministic, valid by the registry's own rules, with history."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import Counter

import pytest
from django.core.management import call_command

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.core.history import snapshot, state_as_of
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.geo.models import Division, VillageProfile
from fupin.quality.selectors import load_frames, run_rules
from fupin.registry import choices as c
from fupin.registry import demo, idnumber
from fupin.registry.models import Assessment, Household, IncomeRecord, Member
from fupin.registry.services import validate_household, validate_member

SMALL = demo.parse_scale(300)


def fingerprint() -> str:
    """A hash of every generated value, independent of primary keys."""
    h = hashlib.sha256()
    households = Household.objects.order_by("number").values_list(
        "number",
        "village_id",
        "status",
        "status_year",
        "category",
        "main_cause",
        "other_causes",
        "monitoring_type",
        "farmland_mu",
        "phone",
        "bank_account",
    )
    for row in households:
        h.update(repr(row).encode())
    members = Member.objects.order_by("id_number").values_list(
        "household__number",
        "id_number",
        "name",
        "sex",
        "birth_date",
        "ethnicity",
        "relation",
        "education",
        "school_status",
        "health",
        "disability_grade",
        "labour",
        "migrant_place",
        "migrant_months",
    )
    for row in members:
        h.update(repr(row).encode())
    incomes = IncomeRecord.objects.order_by("household__number", "year").values_list(
        "household__number",
        "year",
        "household_size",
        "wages",
        "production",
        "property_income",
        "subsistence_allowance",
        "pension",
        "production_expenses",
    )
    for row in incomes:
        h.update(repr(row).encode())
    for row in Assessment.objects.order_by("household__number", "year").values_list(
        "household__number", "year", *Assessment.CONDITIONS
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


@pytest.fixture
def built(db):
    return demo.build(seed=2017, scale=SMALL)


def test_scale_parsing():
    assert demo.parse_scale("county") == demo.Scale(demo.COUNTY_PEOPLE, "431129")
    assert demo.parse_scale("prefecture").area == "4311"
    assert demo.parse_scale("5000") == demo.Scale(5000, "431129")
    assert demo.parse_scale("1000000").area == "4311"
    with pytest.raises(ValueError):
        demo.parse_scale("province")


def test_same_seed_same_data_other_seed_other_data(db):
    demo.build(seed=11, scale=SMALL)
    first = fingerprint()
    demo.wipe()
    assert not Household.objects.exists()
    demo.build(seed=11, scale=SMALL)
    assert fingerprint() == first
    demo.wipe()
    demo.build(seed=12, scale=SMALL)
    assert fingerprint() != first


def test_counts_and_small_scale_shape(built):
    assert 300 <= built.members < 340
    assert built.households == Household.objects.count() >= 60
    assert Member.objects.count() == built.members
    assert Household.objects.values("village").distinct().count() >= 2
    # Divisions: the county scale loads Hunan → Yongzhou → Jianghua only.
    assert Division.objects.filter(code__startswith="431129").count() == 336
    assert not Division.objects.filter(code__startswith="431128").exists()


def test_every_member_passes_the_registry_rules(built):
    seen = set()
    for m in Member.objects.all():
        number = idnumber.parse(m.id_number)
        assert number.sex == m.sex and number.birth_date == m.birth_date
        assert m.id_number[:4] == "4311"
        assert validate_member(m) == {}, (m.id_number, validate_member(m))
        assert m.id_number not in seen
        seen.add(m.id_number)
        if m.relation == c.Relation.HEAD:
            assert m.age_on(demo.REF) >= 18 or m.relation != c.Relation.HEAD


def test_children_are_at_school_for_their_age_today(built):
    """Ages are drawn as of 2020, but school status is today's: no demo child of
    compulsory-school age trips the quality rule Q06, and none is still 'pre-school'."""
    today = dt.date.today()
    children = [m for m in Member.objects.filter(is_active=True) if 7 <= m.age_on(today) <= 15]
    assert children
    waiting = {c.SchoolStatus.PRESCHOOL_CHILD, c.SchoolStatus.KINDERGARTEN, ""}
    assert not [m for m in children if m.school_status in waiting]
    assert run_rules(load_frames("431129", today=today), ["Q06"]).is_empty()


def test_households_are_valid_with_one_head(built):
    heads = Counter(
        Member.objects.filter(relation=c.Relation.HEAD, is_active=True).values_list(
            "household_id", flat=True
        )
    )
    for h in Household.objects.all():
        assert heads[h.id] == 1
        assert validate_household(h) == {}, (h.number, validate_household(h))
        assert 1 <= h.members.count() <= 8
        if h.status == c.HouseholdStatus.MONITORED:
            assert h.monitoring_type
    statuses = Counter(Household.objects.values_list("status", flat=True))
    assert (
        statuses[c.HouseholdStatus.EXITED] > len(statuses)
        and max(statuses.values()) == (statuses[c.HouseholdStatus.EXITED])
    )


def test_children_are_younger_than_their_parents(built):
    for h in Household.objects.prefetch_related("members"):
        members = list(h.members.all())
        head = next(m for m in members if m.relation == c.Relation.HEAD)
        for m in members:
            if m.relation in (c.Relation.SON, c.Relation.DAUGHTER):
                assert m.birth_date.year - head.birth_date.year >= 14
            if m.relation == c.Relation.PARENT:
                assert head.birth_date.year - m.birth_date.year >= 18


def test_incomes_agree_with_status_and_size(built):
    assert IncomeRecord.objects.exists()
    for rec in IncomeRecord.objects.select_related("household"):
        h = rec.household
        born = h.members.filter(birth_date__year__lte=rec.year).count()
        assert rec.household_size == born
        assert rec.net_income > 0
        line = demo.POVERTY_LINE[rec.year]
        per_capita = rec.net_income_per_capita
        if h.status == c.HouseholdStatus.POOR:
            assert per_capita < line
        if h.status == c.HouseholdStatus.EXITED and rec.year >= h.status_year:
            assert per_capita >= line
        if h.status == c.HouseholdStatus.REMOVED:
            assert rec.year <= h.status_year and per_capita > line
        assert all(getattr(rec, f) >= 0 for f in IncomeRecord.INCOME_FIELDS)
    assert Assessment.objects.count() == IncomeRecord.objects.count()


def test_history_for_every_object(built):
    records = ChangeRecord.objects.filter(user_name="demo", action=ChangeAction.CREATE)
    by_type = Counter(records.values_list("object_type", flat=True))
    assert by_type["registry.household"] == Household.objects.count()
    assert by_type["registry.member"] == Member.objects.count()
    assert by_type["registry.incomerecord"] == IncomeRecord.objects.count()
    assert by_type["registry.assessment"] == Assessment.objects.count()
    h = Household.objects.first()
    rec = records.get(object_type="registry.household", object_id=str(h.pk))
    assert rec.reason == demo.DEMO_REASON and rec.area_code == h.village_id
    assert rec.time == h.created_at
    latest = ChangeRecord.objects.filter(object_type="registry.household", object_id=str(h.pk))
    assert latest.order_by("-time", "-id").first().post_data == snapshot(h)
    m = h.members.first()
    mrec = records.get(object_type="registry.member", object_id=str(m.pk))
    assert (mrec.related_type, mrec.related_id) == ("registry.household", str(h.pk))
    assert mrec.post_data == snapshot(m)
    assert mrec.time >= rec.time


def test_household_history_replays_the_status_path(built):
    """Registered in poverty, then exited (and returned, removed or monitored) on dated
    updates; the last state is the household as it is."""
    S = c.HouseholdStatus
    exited = Household.objects.filter(status=S.EXITED)
    assert exited.exists()
    for h in [*exited[:5], *Household.objects.exclude(status__in=[S.EXITED, S.POOR])[:10]]:
        rows = list(
            ChangeRecord.objects.filter(object_type="registry.household", object_id=str(h.pk))
            .order_by("time", "id")
            .values_list("action", "time", "post_data", "changes")
        )
        assert rows[-1][2] == snapshot(h), h.number
        times = [t for _a, t, _p, _c in rows]
        assert times == sorted(times) and len(set(times)) == len(times)
        if h.status in (S.EXITED, S.RETURNED, S.REMOVED) and len(rows) > 1:
            assert rows[0][0] == ChangeAction.CREATE and rows[0][2]["status"] == S.POOR
            assert all(a == ChangeAction.UPDATE for a, *_ in rows[1:])
            assert set().union(*(set(ch) for *_x, ch in rows[1:])) <= set(demo.STATUS_FIELDS)
    h = exited.first()
    before = state_as_of(
        "registry.household", str(h.pk), dt.datetime(h.status_year, 6, 1, tzinfo=dt.UTC)
    )
    after = state_as_of(
        "registry.household", str(h.pk), dt.datetime(h.status_year + 1, 1, 1, tzinfo=dt.UTC)
    )
    assert before is not None and before["status"] == S.POOR
    assert after["status"] == S.EXITED and after["status_year"] == h.status_year


def test_fast_change_records_equal_build_change(built):
    h = Household.objects.first()
    objects = [(h, None), (h.members.first(), h), (h.incomes.first(), h)]
    objects.append((h.assessments.first(), h))
    fields = [f.attname for f in ChangeRecord._meta.concrete_fields if f.attname != "id"]
    for obj, related in objects:
        fast = demo.change_record(obj, h.created_at, related)
        reference = demo.reference_record(obj, h.created_at, related)
        for name in fields:
            assert getattr(fast, name) == getattr(reference, name), name


def test_village_profiles(built):
    for vp in VillageProfile.objects.filter(village__households__isnull=False).distinct():
        people = Member.objects.filter(household__village=vp.village).count()
        assert vp.rural_population >= people
        assert vp.rural_households > 0
        if vp.exit_year:
            assert vp.is_poor_village and 2016 <= vp.exit_year <= 2019
    assert ChangeRecord.objects.filter(object_type="geo.villageprofile", user_name="demo").exists()


def test_logins_for_every_role(built):
    users = {u.username: u for u in User.objects.all()}
    assert {u.role for u in users.values()} == set(Role.values)
    assert users["admin"].is_superuser and users["admin"].area is None
    assert users["county"].area_id == "431129000000"
    assert users["township"].area_id == "431129100000"
    village = users["village"].area_id
    assert village.startswith("431129100")
    assert Household.objects.filter(village_id=village).exists()
    assert users["cadre"].area_id == village
    assert all(u.check_password(demo.DEMO_PASSWORD) for u in users.values())


def test_command_builds_once_then_reports(db):
    out = io.StringIO()
    call_command("demo", "--scale", "200", "--seed", "3", stdout=out)
    assert "Demo built" in out.getvalue()
    n = Household.objects.count()
    out = io.StringIO()
    call_command("demo", "--scale", "200", stdout=out)
    assert "already exists" in out.getvalue()
    assert Household.objects.count() == n
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    text = out.getvalue()
    for username, _role in demo.LOGINS:
        assert username in text
    assert demo.DEMO_PASSWORD in text
    out = io.StringIO()
    call_command("demo", "--scale", "200", "--seed", "4", "--reset", stdout=out)
    assert "Demo built" in out.getvalue()
    assert User.objects.filter(username="county").count() == 1
