"""Migration assistance 0004 keeps today's work teams: the members many-to-many (and
the leader and first secretary) become dated terms from the team's start; a cadre on two
teams keeps the later term open and the earlier one ends the day before it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assistance", "0003_assistancepolicy_transition_years"), ("teams", None)]
AFTER = [("assistance", "0004_work_team_memberships"), ("teams", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_members_become_dated_terms(tree):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state([BEFORE[0]]).apps
    Cadre, WorkTeam = old.get_model("assistance", "Cadre"), old.get_model("assistance", "WorkTeam")

    def cadre(name):
        return Cadre.objects.create(
            name=name, unit=f"{name}单位", rank="ordinary", home_area_id="431129000000"
        )

    lead, a, both = cadre("队长"), cadre("队员"), cadre("两队")
    first = WorkTeam.objects.create(
        unit="县财政局",
        village_id="431129100201",
        started_on=dt.date(2021, 5, 1),
        leader=lead,
        first_secretary=lead,
    )
    first.members.set([a, both])  # the leader is not in the many-to-many: kept anyway
    second = WorkTeam.objects.create(
        unit="县教育局", village_id="431129100202", started_on=dt.date(2022, 6, 1)
    )
    second.members.set([both])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Membership = new.get_model("assistance", "TeamMembership")
    rows = {(m.team_id, m.cadre.name): m for m in Membership.objects.select_related("cadre").all()}
    assert set(rows) == {
        (first.pk, "队长"),
        (first.pk, "队员"),
        (first.pk, "两队"),
        (second.pk, "两队"),
    }
    boss = rows[(first.pk, "队长")]
    assert boss.is_leader and boss.is_first_secretary and boss.unit == "队长单位"
    assert boss.start_date == dt.date(2021, 5, 1) and boss.end_date is None
    assert rows[(first.pk, "两队")].end_date == dt.date(2022, 5, 31)
    assert rows[(second.pk, "两队")].end_date is None
    assert not rows[(first.pk, "队员")].is_leader
