"""The decisions of the authority table that the work-team services enforce, as
invokers for the table walk (fupin.accounts.authority): each prepares a fresh team in
conftest.VILLAGE (its members made by the admin, the team by the county user), then
calls the real service as `actor`. `history(users)` walks every writing service of the
app for the history walk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import count

from conftest import VILLAGE
from fupin.assistance import choices as ac
from fupin.assistance import services as assistance
from fupin.teams import services

START = dt.date(2024, 1, 1)
DAY = dt.date(2024, 3, 4)
_n = count(1)


def fresh_team(users):
    def cadre():
        data = {
            "name": f"驻村队员{next(_n)}",
            "unit": "县财政局",
            "rank": ac.Rank.ORDINARY,
            "home_area_id": VILLAGE,
        }
        return assistance.cadre_create(actor=users["admin"], data=data)

    secretary, member = cadre(), cadre()
    team = assistance.work_team_create(
        actor=users["county"],
        unit="县财政局",
        village_code=VILLAGE,
        members=[secretary, member],
        leader=secretary,
        first_secretary=secretary,
        started_on=START,
    )
    return team, secretary, member


def record_for(actor, users) -> None:
    team, _s, member = fresh_team(users)
    services.checkin_record(actor=actor, team=team, cadre=member, date=DAY)


def leave_decide(actor, users) -> None:
    team, _s, member = fresh_team(users)
    leave = services.leave_request(
        actor=users["township"],
        team=team,
        cadre=member,
        start_date=DAY,
        end_date=DAY + dt.timedelta(days=2),
        reason="培训",
    )
    services.leave_decide(actor=actor, leave=leave, approve=True)


def write_for_secretary(actor, users) -> None:
    team, _s, _m = fresh_team(users)
    services.diary_add(actor=actor, team=team, date=DAY, text="走访")


def report_receive(actor, users) -> None:
    team, _s, _m = fresh_team(users)
    report = services.report_submit(
        actor=users["township"], team=team, year=2024, quarter=1, text="一季度"
    )
    services.report_receive(actor=actor, report=report)


INVOKERS: dict[str, Callable] = {
    "team.record_for": record_for,
    "team.leave_decide": leave_decide,
    "team.write_for_secretary": write_for_secretary,
    "team.report_receive": report_receive,
}


def history(users) -> None:
    """Every writing service of the work teams (and the team services of assistance)."""
    from fupin.registry.models import Household

    county, township = users["county"], users["township"]
    team, _secretary, member = fresh_team(users)
    extra = assistance.cadre_create(
        actor=users["admin"],
        data={"name": "新队员", "unit": "乡政府", "rank": "ordinary", "home_area_id": VILLAGE},
    )
    term = assistance.membership_add(
        actor=county, team=team, cadre=extra, start_date=DAY, unit_level="township"
    )
    assistance.membership_end(actor=county, membership=term, date=DAY, reason="调回")
    services.checkin_record(actor=township, team=team, cadre=member, date=DAY)
    leave = services.leave_request(
        actor=township,
        team=team,
        cadre=member,
        start_date=DAY + dt.timedelta(days=1),
        end_date=DAY + dt.timedelta(days=3),
        reason="病假",
    )
    services.leave_decide(actor=county, leave=leave, approve=False, note="材料不全")
    services.diary_add(actor=township, team=team, date=DAY, text="入户走访")
    services.ledger_add(
        actor=township,
        team=team,
        date=DAY,
        category="visits",
        content="走访监测户",
        households=list(Household.objects.filter(village_id=VILLAGE)[:1]),
    )
    report = services.report_submit(actor=township, team=team, year=2024, quarter=1, text="报告")
    services.report_receive(actor=county, report=report)
    services.rules_save(
        actor=county,
        region_code="431129000000",
        effective_from=START,
        min_members=3,
        rotation_months=12,
        required_days=20,
        reason="县定",
    )
