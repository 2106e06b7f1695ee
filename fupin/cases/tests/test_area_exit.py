"""Village and county exit as procedures (贫困村退出, 贫困县退出): the steps by their roles
and levels, four eyes, the checklist recorded and refusing the approval by name, the
notice with its objections, the profile's status owned by the procedure, the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE
from fupin.accounts.authority import FourEyes
from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.assessment import sampling
from fupin.assessment import services as assessment_services
from fupin.cases.area import services
from fupin.cases.models import AreaCase, AreaCaseStep, CaseStatus, ObjectionStatus
from fupin.cases.procedures import AreaKind
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.geo.models import CountyProfile, VillageProfile
from fupin.geo.services import village_profile_update
from fupin.registry import choices as c
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db

COUNTY, CITY, PROVINCE = "431129000000", "431100000000", "430000000000"
TODAY = dt.date.today()
INFRA = dict.fromkeys(
    [
        "has_hardened_road",
        "has_safe_water",
        "has_power",
        "has_broadband",
        "has_clinic",
        "has_cultural_room",
    ],
    True,
)


def poor_village(code=VILLAGE, **over):
    VillageProfile.objects.update_or_create(
        village_id=code,
        defaults={"is_poor_village": True, "rural_population": 1200, **INFRA, **over},
    )


def office(name, area):
    return User.objects.create_user(
        username=name, password="x", role=Role.COUNTY_OFFICE, area_id=area
    )


def walk_village(users, case, until="notice"):
    """Apply (village) and verify (township) a village exit case."""
    case = services.area_step_do(
        actor=users["village"], case=case, step="application", evidence="村两委申请", today=TODAY
    )
    if until == "verification":
        return case
    return services.area_step_do(
        actor=users["township"], case=case, step="verification", decision="approve", today=TODAY
    )


def test_a_village_exits_through_its_steps_and_its_profile_records_the_case(users):
    poor_village()
    case = services.area_case_open(
        actor=users["village"], area_code=VILLAGE, kind=AreaKind.VILLAGE_EXIT, today=TODAY
    )
    case = walk_village(users, case)
    # The township's verification recorded the checklist, each item with its source.
    items = {i["code"]: i for i in case.checklist["items"]}
    assert items["incidence"]["met"] and "1200" in items["incidence"]["source"]
    assert items["has_broadband"]["met"] and items["has_broadband"]["source"]
    # The notice step is nobody's: it passes when the township's notice ends unopposed.
    with pytest.raises(NotAllowed):
        services.area_step_do(actor=users["county"], case=case, step="notice", today=TODAY)
    with pytest.raises(NotAllowed):  # a village user does not post the township's notice
        services.area_notice_post(actor=users["village"], case=case, posted_on=TODAY, phone="1")
    notice = services.area_notice_post(
        actor=users["township"], case=case, posted_on=TODAY, phone="0746-1234567"
    )
    objection = services.area_objection_add(
        actor=users["village"], notice=notice, text="道路未硬化", received_on=TODAY
    )
    after = TODAY + dt.timedelta(days=notice.days + 1)
    assert services.advance_area_notices(after) == 0  # blocked by the open objection
    with pytest.raises(NotAllowed):  # resolved by the role of the step after the notice
        services.area_objection_resolve(
            actor=users["township"], objection=objection, upheld=False, resolution="已核实"
        )
    services.area_objection_resolve(
        actor=users["county"], objection=objection, upheld=False, resolution="已核实，道路已硬化"
    )
    assert services.advance_area_notices(after) == 1
    case.refresh_from_db()
    assert case.current_step.code == "approval"
    profile = VillageProfile.objects.get(pk=VILLAGE)
    assert profile.exit_year is None
    case = services.area_step_do(
        actor=users["county"], case=case, step="approval", decision="approve", today=after
    )
    assert case.status == CaseStatus.PASSED and case.approved_checklist["items"]
    profile.refresh_from_db()
    assert profile.exit_year == after.year
    last = history_of(profile).first()
    assert last.changes == {"exit_year": [None, after.year]}
    assert f"#{case.pk}" in last.reason and last.user_name == "county"
    assert AreaCaseStep.objects.filter(case=case).count() == 4


def test_the_approval_is_refused_while_a_checklist_item_fails_and_names_it(users):
    poor_village(has_broadband=False, collective_income=0)
    case = services.area_case_open(
        actor=users["village"], area_code=VILLAGE, kind=AreaKind.VILLAGE_EXIT, today=TODAY
    )
    case = walk_village(users, case)
    assert [i["code"] for i in services.failing_items(case.checklist)] == ["has_broadband"]
    notice = services.area_notice_post(
        actor=users["township"], case=case, posted_on=TODAY, phone="0746-1234567"
    )
    services.advance_area_notices(notice.ends_on + dt.timedelta(days=1))
    case.refresh_from_db()
    with translation.override("en"), pytest.raises(services.ChecklistFails) as exc:
        services.area_step_do(
            actor=users["county"], case=case, step="approval", decision="approve", today=TODAY
        )
    assert "Broadband" in str(exc.value.message)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.approved_checklist is None
    assert VillageProfile.objects.get(pk=VILLAGE).exit_year is None
    # Once the profile records broadband, the county approves.
    village_profile_update(
        profile=VillageProfile.objects.get(pk=VILLAGE),
        actor=users["village"],
        data={"has_broadband": True},
        reason="宽带已通",
    )
    services.area_step_do(
        actor=users["county"], case=case, step="approval", decision="approve", today=TODAY
    )
    assert VillageProfile.objects.get(pk=VILLAGE).exit_year == TODAY.year


def test_steps_by_their_role_only_and_no_skipping(users):
    poor_village()
    with pytest.raises(NotAllowed):  # the village applies, not the township
        services.area_case_open(
            actor=users["township"], area_code=VILLAGE, kind=AreaKind.VILLAGE_EXIT
        )
    with pytest.raises(ValidationFailed):  # not a poor village
        services.area_case_open(
            actor=users["neighbour"], area_code=NEIGHBOUR, kind=AreaKind.VILLAGE_EXIT
        )
    case = services.area_case_open(
        actor=users["village"], area_code=VILLAGE, kind=AreaKind.VILLAGE_EXIT
    )
    with pytest.raises(ValidationFailed):  # one open case at a time
        services.area_case_open(
            actor=users["village"], area_code=VILLAGE, kind=AreaKind.VILLAGE_EXIT
        )
    with pytest.raises(OutsideArea):
        services.area_step_do(actor=users["neighbour"], case=case, step="application", evidence="x")
    with pytest.raises(NotAllowed):
        services.area_step_do(actor=users["township"], case=case, step="application", evidence="x")
    with pytest.raises(services.StepOutOfOrder):
        services.area_step_do(
            actor=users["township"], case=case, step="verification", decision="approve"
        )
    with pytest.raises(ValidationFailed):  # a step needs its evidence
        services.area_step_do(actor=users["village"], case=case, step="application")
    assert not AreaCaseStep.objects.exists()


def test_the_profile_edit_refuses_what_the_procedure_owns(users):
    poor_village()
    profile = VillageProfile.objects.get(pk=VILLAGE)
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        village_profile_update(profile=profile, actor=users["village"], data={"exit_year": 2018})
    assert "village exit procedure" in exc.value.errors["exit_year"][0]
    # Before a case the status is the profile's; once a case exists, the procedure's.
    village_profile_update(profile=profile, actor=users["village"], data={"is_poor_village": False})
    village_profile_update(profile=profile, actor=users["village"], data={"is_poor_village": True})
    case = services.area_case_open(
        actor=users["village"], area_code=VILLAGE, kind=AreaKind.VILLAGE_EXIT
    )
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        village_profile_update(
            profile=profile, actor=users["village"], data={"is_poor_village": False}
        )
    assert f"#{case.pk}" in exc.value.errors["is_poor_village"][0]
    assert VillageProfile.objects.get(pk=VILLAGE).is_poor_village


# ---------------------------------------------------------------- counties


@pytest.fixture
def county(users):
    """Jianghua as a poor county with registered households, no one in poverty left, and
    the county-office users of the prefecture and the province."""
    rows = []
    for n, village in enumerate((VILLAGE, NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE) * 6):
        VillageProfile.objects.update_or_create(
            village_id=village, defaults={"rural_population": 900, "rural_households": 40}
        )
        status = c.HouseholdStatus.EXITED if n % 3 else c.HouseholdStatus.CANDIDATE
        rows.append(
            Household(
                number=f"{village}{n:04d}",
                village_id=village,
                main_cause=c.PovertyCause.ILLNESS,
                status=status,
                status_year=2018,
            )
        )
    Household.objects.bulk_create(rows)
    users["city"] = office("city", CITY)
    users["province"] = office("province", PROVINCE)
    users["province2"] = office("province2", PROVINCE)
    services.county_profile_designate(
        actor=users["admin"], county_code=COUNTY, poor_county="key", reason="国家重点县名单"
    )
    return users


def finished_assessment(users, approves=True):
    a = assessment_services.assessment_create(actor=users["inspector"], county_code=COUNTY, seed=3)
    assessment_services.sample_draw(actor=users["inspector"], assessment=a)
    for u in a.units.all():
        data = {"surveyor": "评估员", "surveyed_on": TODAY, "approves": approves}
        if u.stratum == sampling.EXITED:
            data["exit_correct"] = True
        else:
            data["is_poor"] = False
        assessment_services.response_record(actor=users["inspector"], unit=u, data=data)
    return assessment_services.assessment_finish(actor=users["inspector"], assessment=a)


def county_to_approval(users):
    case = services.area_case_open(
        actor=users["county"], area_code=COUNTY, kind=AreaKind.COUNTY_EXIT, today=TODAY
    )
    case = services.area_step_do(
        actor=users["county"], case=case, step="proposal", evidence="县申请", today=TODAY
    )
    with translation.override("en"), pytest.raises(NotAllowed) as exc:  # the city's review
        services.area_step_do(
            actor=users["county"], case=case, step="city_review", decision="approve"
        )
    assert "Prefecture" in str(exc.value.message)
    case = services.area_step_do(
        actor=users["city"], case=case, step="city_review", decision="approve", today=TODAY
    )
    with pytest.raises(NotAllowed):  # the province's check, not the city's
        services.area_step_do(
            actor=users["city"], case=case, step="province_check", decision="approve"
        )
    case = services.area_step_do(
        actor=users["province"], case=case, step="province_check", decision="approve", today=TODAY
    )
    notice = services.area_notice_post(
        actor=users["province"], case=case, posted_on=TODAY, phone="0731-12317"
    )
    services.advance_area_notices(notice.ends_on + dt.timedelta(days=1))
    case.refresh_from_db()
    return case


def test_a_county_exit_carries_its_assessment_and_the_province_approves(county):
    users = county
    a = finished_assessment(users)
    case = county_to_approval(users)
    assert case.checklist["assessment"]["id"] == a.pk
    codes = {i["code"]: i["met"] for i in case.checklist["items"]}
    assert codes == {"incidence": True, "missed_poor": True, "wrong_exit": True, "approval": True}
    # Four eyes: the province user who checked may not approve.
    with pytest.raises(FourEyes):
        services.area_step_do(
            actor=users["province"], case=case, step="approval", decision="approve"
        )
    services.area_step_do(
        actor=users["province2"], case=case, step="approval", decision="approve", today=TODAY
    )
    profile = CountyProfile.objects.get(pk=COUNTY)
    assert profile.exit_year == TODAY.year
    assert f"#{case.pk}" in history_of(profile).first().reason
    # The poor-county status is the procedure's now.
    with pytest.raises(ValidationFailed):
        services.county_profile_designate(
            actor=users["admin"], county_code=COUNTY, poor_county="", reason="撤销"
        )


def test_any_failing_indicator_vetoes_the_county_exit(county):
    users = county
    finished_assessment(users, approves=False)  # public approval 0%
    case = county_to_approval(users)
    with translation.override("en"), pytest.raises(services.ChecklistFails) as exc:
        services.area_step_do(
            actor=users["province2"], case=case, step="approval", decision="approve"
        )
    assert "Public approval" in str(exc.value.message)
    assert CountyProfile.objects.get(pk=COUNTY).exit_year is None


def test_a_county_without_an_assessment_is_not_approved(county):
    case = county_to_approval(county)
    assert case.checklist["assessment"] is None
    with translation.override("en"), pytest.raises(services.ChecklistFails) as exc:
        services.area_step_do(
            actor=county["province2"], case=case, step="approval", decision="approve"
        )
    assert "Not yet assessed" in str(exc.value.message)


def test_only_the_province_or_an_administrator_designates_a_poor_county(county):
    for name in ("county", "city", "township"):
        with pytest.raises((NotAllowed, OutsideArea)):
            services.county_profile_designate(
                actor=county[name], county_code=COUNTY, poor_county="area", reason="x"
            )
    assert CountyProfile.objects.get(pk=COUNTY).poor_county == "key"


# ---------------------------------------------------------------- pages


def test_the_pages_show_the_candidates_the_case_and_the_division_link(client, users):
    poor_village(has_clinic=False)
    client.force_login(users["village"])
    url = reverse("cases:area_villages") + "?township=431129100000"
    page = client.get(url)
    assert page.status_code == 200 and "大坪村" in page.content.decode()
    response = client.post(url, {"action": "open", "area": VILLAGE, "reason": "达标"})
    case = AreaCase.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/area/{case.pk}/")
    page = client.post(
        reverse("cases:area_case", args=[case.pk]),
        {"action": "step", "step": "application", "decision": "done", "evidence": "申请书"},
    )
    assert page.status_code == 302
    client.force_login(users["township"])
    page = client.get(reverse("cases:area_case", args=[case.pk]))
    assert 'name="decision"' in page.content.decode()
    client.post(
        reverse("cases:area_case", args=[case.pk]),
        {"action": "step", "step": "verification", "decision": "approve"},
    )
    page = client.get(reverse("cases:area_case", args=[case.pk])).content.decode()
    assert 'value="notice"' in page  # the township posts the notice from here
    division = client.get(reverse("division", args=[VILLAGE])).content.decode()
    assert reverse("cases:area_case", args=[case.pk]) in division
    # Another village's staff and another county do not see the case.
    client.force_login(users["neighbour"])
    assert client.get(reverse("cases:area_case", args=[case.pk])).status_code == 404
    client.force_login(users["other_county"])
    assert client.get(reverse("cases:area_case", args=[case.pk])).status_code == 404
    assert ObjectionStatus.OPEN  # the objection form needs a notice: see the service tests
