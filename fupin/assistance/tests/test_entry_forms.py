"""The entry pages: cadres, hand-over, plans, measures and the directory, through the
same services (limits, scope, history) as everything else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from conftest import NEIGHBOUR, VILLAGE
from fupin.assistance import choices as c
from fupin.assistance import services
from fupin.assistance.models import Cadre, DirectoryEntry, HouseholdPlan, Measure, Pairing
from fupin.core.models import ChangeRecord


def test_village_staff_adds_a_cadre_and_it_is_recorded(client, users):
    client.force_login(users["village"])
    page = client.post(
        "/assistance/cadres/new/",
        {
            "name": "赵干部",
            "unit": "县农业农村局",
            "rank": c.Rank.SECTION,
            "post": "副局长",
            "phone": "13807461111",
            "home_area": VILLAGE,
            "reason": "新派驻",
        },
    )
    assert page.status_code == 302
    cadre = Cadre.objects.get(name="赵干部")
    assert cadre.home_area_id == VILLAGE and cadre.rank == c.Rank.SECTION
    rec = ChangeRecord.objects.get(object_type="assistance.cadre", object_id=str(cadre.pk))
    assert rec.user_name == "village" and rec.reason == "新派驻"
    # A home area outside the user's own is not offered, and not accepted.
    page = client.post(
        "/assistance/cadres/new/",
        {"name": "钱干部", "unit": "x", "rank": c.Rank.ORDINARY, "home_area": NEIGHBOUR},
    )
    assert page.status_code == 422 and not Cadre.objects.filter(name="钱干部").exists()


def test_departments_cannot_add_cadres(client, users):
    client.force_login(users["department"])
    assert client.get("/assistance/cadres/new/").status_code == 403


def test_a_leaving_cadre_hands_over_through_the_page(client, users, make_cadre, household):
    leaving = make_cadre(name="离任干部")
    successor = make_cadre(name="接任干部")
    services.pairing_create(
        actor=users["village"],
        cadre=leaving,
        household=household,
        kind=c.PairingKind.CONTACT,
        start_date="2020-01-01",
        reason="结对",
    )
    client.force_login(users["village"])
    page = client.post(
        f"/assistance/cadres/{leaving.pk}/leave/",
        {"date": "2021-03-01", "successor": str(successor.pk), "reason": "调离"},
    )
    assert page.status_code == 302
    current = Pairing.objects.current().get(household=household)
    assert current.cadre == successor
    leaving.refresh_from_db()
    assert not leaving.active


def test_plan_and_measure_for_a_household(client, users, household):
    client.force_login(users["village"])
    page = client.post(
        f"/assistance/households/{household.pk}/plan/",
        {
            "goals": "发展油茶产业",
            "planned_measures": "产业奖补",
            "expected_income": "12000",
            "reason": "一户一法",
        },
    )
    assert page.status_code == 302
    plan = HouseholdPlan.objects.get(household=household)
    assert plan.expected_income == Decimal("12000.00")
    page = client.post(
        f"/assistance/households/{household.pk}/measures/new/",
        {
            "kind": c.MeasureKind.choices[0][0],
            "amount": "2000",
            "date": "2021-04-01",
            "provider": "县农业农村局",
        },
    )
    assert page.status_code == 302
    assert Measure.objects.get(household=household).amount == Decimal("2000.00")
    detail = client.get(f"/households/{household.pk}/").content.decode()
    assert "发展油茶产业" in detail


def test_plans_of_another_village_are_out_of_reach(client, users, household):
    client.force_login(users["neighbour"])
    assert client.get(f"/assistance/households/{household.pk}/plan/").status_code == 404
    assert (
        client.post(
            f"/assistance/households/{household.pk}/measures/new/",
            {
                "kind": c.MeasureKind.choices[0][0],
                "amount": "1",
                "date": "2021-04-01",
                "provider": "x",
            },
        ).status_code
        == 404
    )
    assert not Measure.objects.exists()


def test_directory_entry_through_the_page(client, users, tree):
    client.force_login(users["village"])
    page = client.post(
        f"/assistance/directory/{VILLAGE}/new/",
        {"name": "李书记", "post": "第一书记", "phone": "13907461234", "duties": "驻村帮扶"},
    )
    assert page.status_code == 302
    assert DirectoryEntry.objects.get(area_id=VILLAGE).name == "李书记"
    assert client.get(f"/assistance/directory/{NEIGHBOUR}/new/").status_code == 404


def test_work_team_and_village_plan_through_the_pages(client, users, make_cadre, tree):
    from fupin.assistance.models import VillagePlan, WorkTeam

    a, b = make_cadre(name="队员甲"), make_cadre(name="队员乙")
    client.force_login(users["village"])
    page = client.post(
        f"/assistance/villages/{VILLAGE}/teams/new/",
        {
            "unit": "县财政局",
            "members": [str(a.pk), str(b.pk)],
            "leader": str(a.pk),
            "first_secretary": str(b.pk),
            "started_on": "2021-03-01",
        },
    )
    assert page.status_code == 302
    team = WorkTeam.objects.get(village_id=VILLAGE)
    terms = {m.cadre: m for m in team.memberships.all()}
    assert set(terms) == {a, b}
    assert terms[b].is_first_secretary and not terms[b].is_leader and terms[a].is_leader
    assert {m.start_date for m in terms.values()} == {dt.date(2021, 3, 1)}
    # A cadre is on one team at a time: a second team with a refuses, nothing written.
    page = client.post(
        f"/assistance/villages/{VILLAGE}/teams/new/",
        {"unit": "县教育局", "members": [str(a.pk)], "started_on": "2022-03-01"},
    )
    assert page.status_code == 422
    assert WorkTeam.objects.filter(village_id=VILLAGE).count() == 1
    page = client.post(
        f"/assistance/villages/{VILLAGE}/plan/",
        {"goals": "村集体经济年收入超过10万元", "expected_income": "100000"},
    )
    assert page.status_code == 302
    assert VillagePlan.objects.get(village_id=VILLAGE).expected_income == Decimal("100000.00")
    text = client.get(f"/assistance/villages/{VILLAGE}/").content.decode()
    assert "县财政局" in text and "队员乙" in text and "村集体经济年收入超过10万元" in text
    client.force_login(users["neighbour"])
    assert client.get(f"/assistance/villages/{VILLAGE}/").status_code == 404
    assert client.get(f"/assistance/villages/{VILLAGE}/plan/").status_code == 404


def test_the_county_office_sets_its_limits_and_they_apply(client, users, make_cadre, tree):
    from fupin.assistance.models import AssistancePolicy
    from fupin.assistance.selectors import policy_for

    client.force_login(users["village"])
    assert client.get("/assistance/limits/").status_code == 200
    assert client.post("/assistance/limits/", {"max_households": "3"}).status_code == 403
    client.force_login(users["county"])
    page = client.post(
        "/assistance/limits/",
        {
            "max_households": "3",
            "visit_interval_days": "15",
            "transition_years": "7",
            "key_section": "1",
            "contact_section": "1",
            "reason": "县里规定每月两次走访",
        },
    )
    assert page.status_code == 302
    policy = AssistancePolicy.objects.get(region_id="431129000000")
    assert policy.max_households == 3 and policy.visit_interval_days == 15
    assert policy.transition_years == 7
    assert policy.rank_quotas[c.Rank.SECTION] == {"key": 1, "contact": 1}
    assert policy_for(VILLAGE).pk == policy.pk
    rec = ChangeRecord.objects.get(object_type="assistance.assistancepolicy")
    assert rec.reason == "县里规定每月两次走访" and rec.user_name == "county"
    assert rec.post_data["transition_years"] == 7
    # Another county keeps the defaults.
    assert policy_for("431128100201").max_households == 5
    assert policy_for("431128100201").transition_years == 5
