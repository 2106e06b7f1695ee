"""The assistance demo: pairings, visits, measures and teams on a small demo registry,
deterministic, within the pairing limits, every row recorded, wiped without a trace."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from fupin.accounts.models import User
from fupin.assistance import choices as c
from fupin.assistance import demo as assistance_demo
from fupin.assistance import selectors
from fupin.assistance.models import (
    AssistancePolicy,
    Cadre,
    HouseholdPlan,
    Measure,
    Pairing,
    TeamMembership,
    VillagePlan,
    Visit,
    WorkTeam,
)
from fupin.core.history import snapshot, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.geo.models import VillageProfile
from fupin.registry import demo
from fupin.registry.models import Household
from fupin.scoring.sources import visit_compliance

pytestmark = pytest.mark.django_db

SMALL = demo.parse_scale(300)
MODELS = (Cadre, WorkTeam, TeamMembership, Pairing, Visit, Measure, HouseholdPlan, VillagePlan)


def fingerprint() -> str:
    """A hash of every generated value by natural keys."""
    h = hashlib.sha256()
    for row in Cadre.objects.order_by("pk").values_list(
        "name", "unit", "rank", "post", "phone", "home_area_id", "user__username"
    ):
        h.update(repr(row).encode())
    for row in Pairing.objects.order_by("household__number", "start_date").values_list(
        "household__number", "cadre__name", "cadre__phone", "kind", "start_date"
    ):
        h.update(repr(row).encode())
    for row in Visit.objects.order_by("household__number", "date", "pk").values_list(
        "household__number", "cadre__phone", "date", "purpose", "notes", "recorded_at"
    ):
        h.update(repr(row).encode())
    for row in Measure.objects.order_by("household__number", "date", "kind").values_list(
        "household__number", "kind", "amount", "date", "provider", "notes"
    ):
        h.update(repr(row).encode())
    for row in WorkTeam.objects.order_by("village_id").values_list(
        "village_id", "unit", "started_on"
    ):
        h.update(repr(row).encode())
    for row in TeamMembership.objects.order_by("team__village_id", "cadre__phone").values_list(
        "team__village_id", "cadre__phone", "unit", "is_leader", "start_date", "end_date"
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


@pytest.fixture
def built(db):
    demo.build(seed=2017, scale=SMALL)
    messages: list[str] = []
    assistance_demo.build_demo(seed=2017, log=messages.append)
    assert messages and "pairings" in messages[-1]
    return messages


def eligible():
    return Household.objects.filter(status__in=assistance_demo.ELIGIBLE)


def test_most_households_to_assist_are_paired_within_the_limits(built):
    target = eligible().count()
    assert target > 40
    current = Pairing.objects.current()
    paired = set(current.values_list("household_id", flat=True))
    assert 0.85 * target <= len(paired) <= target
    assert paired <= set(eligible().values_list("id", flat=True))
    assert current.count() == len(paired)  # one cadre per household
    policy = AssistancePolicy()
    for cadre in Cadre.objects.filter(pairings__isnull=False).distinct():
        kinds = Counter(cadre.pairings.values_list("kind", flat=True))
        assert sum(kinds.values()) <= policy.max_households
        quota = policy.quota(cadre.rank)
        if quota is None:
            assert kinds[c.PairingKind.KEY] == 0
        else:
            assert kinds[c.PairingKind.KEY] <= quota["key"]
            assert kinds[c.PairingKind.CONTACT] <= quota["contact"]
    # Households in poverty, returned or monitored are key households.
    for p in current.select_related("household"):
        key = p.household.status in assistance_demo.KEY_STATUSES
        assert (p.kind == c.PairingKind.KEY) == key


def test_visits_by_the_paired_cadre_over_the_years_some_under_visited(built):
    today = timezone.localdate()
    pairings = {(p.cadre_id, p.household_id): p for p in Pairing.objects.all()}
    years = Counter()
    per_household = Counter()
    for v in Visit.objects.all():
        p = pairings[(v.cadre_id, v.household_id)]
        assert p.start_date <= v.date <= today
        years[v.date.year] += 1
        per_household[v.household_id] += 1
    assert set(range(2019, today.year + 1)) <= set(years)
    counts = sorted(per_household.values())
    assert counts[-1] >= 8
    assert counts[0] < counts[len(counts) // 2]  # some households visited less
    assert Visit.objects.filter(purpose=c.VisitPurpose.ACCOUNTS).exists()


def test_measures_teams_plans_and_the_cadre_login(built):
    assert Measure.objects.count() >= Pairing.objects.count()
    assert len(set(Measure.objects.values_list("kind", flat=True))) >= 5
    assert not Measure.objects.filter(amount__lt=0).exists()
    poor_villages = set(
        VillageProfile.objects.filter(is_poor_village=True).values_list("village_id", flat=True)
    )
    teams = WorkTeam.objects.all()
    assert {t.village_id for t in teams} == poor_villages
    today = dt.date.today()
    for t in teams:
        current = list(t.memberships.on(today))
        assert len(current) in (2, 3, 4), t
        assert sum(m.is_first_secretary for m in current) == 1
        assert sum(m.is_leader for m in current) == 1
        assert t.memberships.filter(end_reason="期满轮换").count() == 3
    # One open term a cadre (the rule the services keep), several units per team.
    assert TeamMembership.objects.filter(end_date__isnull=True).values(
        "cadre"
    ).distinct().count() == (TeamMembership.objects.filter(end_date__isnull=True).count())
    assert any(len({m.unit for m in t.memberships.on(today)}) > 1 for t in teams)
    assert VillagePlan.objects.count() == len(poor_villages)
    login = User.objects.get(username="cadre")
    cadre = Cadre.objects.get(user=login)
    assert cadre.unit == login.unit
    mine = cadre.pairings.current()
    assert mine.exists()
    assert {p.household.village_id for p in mine} == {login.area_id}
    assert HouseholdPlan.objects.filter(household__village_id=login.area_id).count() == (
        Pairing.objects.filter(household__village_id=login.area_id).count()
    )
    assert Visit.objects.filter(cadre=cadre).exists()


def test_the_cadre_login_sees_its_cadre_page_and_households(built, client):
    login = User.objects.get(username="cadre")
    cadre = Cadre.objects.get(user=login)
    client.force_login(login)
    page = client.get(reverse("assistance:cadre_list")).content.decode()
    assert cadre.name in page
    detail = client.get(reverse("assistance:cadre_detail", args=[cadre.pk]))
    assert detail.status_code == 200
    numbers = [p.household.number for p in cadre.pairings.current()]
    text = detail.content.decode()
    assert numbers and all(n in text for n in numbers)
    listing = client.get(reverse("assistance:pairing_list"), headers={"accept-language": "en"})
    assert all(n in listing.content.decode() for n in numbers)


def test_coverage_and_compliance_of_the_village(built):
    village = User.objects.get(username="cadre").area_id
    target = eligible().filter(village_id=village).count()
    unpaired = selectors.unpaired_households(village).count()
    assert target and unpaired < target
    today = timezone.localdate()
    compliance = visit_compliance(village, dt.date(today.year, 1, 1), today)
    assert compliance is not None and compliance > 0
    assert visit_compliance("431129000000", dt.date(2020, 1, 1), dt.date(2020, 12, 31)) > 50
    overdue = selectors.overdue_cadres(user=User.objects.get(username="county"), as_of=today)
    due = Pairing.objects.current().count()
    assert sum(len(o.households) for o in overdue) < due / 2


def test_every_created_row_has_its_change_record(built):
    for model in MODELS:
        ids = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
        assert ids, model
        recorded = set(
            ChangeRecord.objects.filter(
                object_type=type_label(model), action=ChangeAction.CREATE
            ).values_list("object_id", flat=True)
        )
        assert recorded == ids, model
    # The visits' records are built without `snapshot`: they must say the same.
    for v in Visit.objects.order_by("?")[:50]:
        rec = ChangeRecord.objects.get(object_type="assistance.visit", object_id=str(v.pk))
        assert rec.post_data == snapshot(v)
        assert rec.related_id == str(v.household_id) and rec.area_code == v.household.village_id
        assert rec.object_repr == str(v)
    p = Pairing.objects.first()
    rec = ChangeRecord.objects.get(object_type="assistance.pairing", object_id=str(p.pk))
    assert rec.post_data == snapshot(p) and rec.related_type == "registry.household"


def test_same_seed_same_data_and_wipe_leaves_nothing(db):
    demo.build(seed=5, scale=SMALL)
    assistance_demo.build_demo(seed=5, log=None)
    first = fingerprint()
    assistance_demo.wipe_demo()
    for model in MODELS:
        assert not model.objects.exists()
    labels = [type_label(m) for m in MODELS]
    assert not ChangeRecord.objects.filter(object_type__in=labels).exists()
    assistance_demo.build_demo(seed=5, log=None)
    assert fingerprint() == first
    assistance_demo.wipe_demo()
    assistance_demo.build_demo(seed=6, log=None)
    assert fingerprint() != first
    assistance_demo.wipe_demo()
    demo.wipe()  # no protected foreign key left behind
    assert not Household.objects.exists()
    assert not ChangeRecord.objects.exists()
