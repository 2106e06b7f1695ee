"""Households to be assisted (应帮扶户) as of a date follow the assistance app's rule
(`assistance.due`): an exited household counts within the transition period after its
exit and not after it, on past dates as today; a snapshot locked before the rule keeps
the figures it was created with.

On top of the crafted registry: HX, exited in 大坪村 by an exit case passed on
2018-06-01 (registered and exited, its records dated 2017 and 2018). Its five years end on
2023-06-01: due on 2023-05-31 and on that day, not on 2023-06-02 nor on AS_OF
(2023-06-30); H1–H8 are as in the crafted registry.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import HOUSEHOLD_DATA, VILLAGE, give_status, registered_household
from fupin.assistance import due
from fupin.cases.models import Case, CaseStatus
from fupin.cases.procedures import CaseKind
from fupin.indicators import engine, snapshots
from fupin.indicators import frames as fr
from fupin.indicators.selectors import figures
from fupin.indicators.tests.conftest import AS_OF, at, moment
from fupin.registry import choices as c

COUNTY = "431129000000"
EXIT_DAY = dt.date(2018, 6, 1)


@pytest.fixture
def hx(crafted, users):
    with at(dt.date(2017, 3, 1)):
        h = registered_household(
            actor=users["county"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA), reason="x"
        )
    with at(EXIT_DAY):
        give_status(h, c.HouseholdStatus.EXITED, 2018)
        Case.objects.create(
            kind=CaseKind.EXIT,
            household=h,
            status=CaseStatus.PASSED,
            year=2018,
            closed_at=moment(EXIT_DAY),
        )
    return h


def due_on(h, day: dt.date) -> bool:
    households = fr.load("431129", day).households
    return households.filter(households["household_id"] == h.pk)["assist_due"].item()


def test_exited_household_counts_within_its_period_as_of_each_date(hx):
    assert [due_on(hx, d) for d in (dt.date(2023, 5, 31), dt.date(2023, 6, 1))] == [True, True]
    assert [due_on(hx, d) for d in (dt.date(2023, 6, 2), AS_OF)] == [False, False]
    # The row form reads the same from the household and its exit case.
    assert due.household_due(hx, dt.date(2023, 6, 1)).due
    assert not due.household_due(hx, dt.date(2023, 6, 2)).due


def test_target_figures_move_with_the_period(hx):
    before = figures(COUNTY, as_of=dt.date(2023, 6, 1), depth=0)[0].values
    after = figures(COUNTY, as_of=dt.date(2023, 6, 2), depth=0)[0].values
    assert before["assist_target_households"] == after["assist_target_households"] + 1
    assert before["exited_households"] == after["exited_households"]  # still exited


def test_snapshot_before_the_rule_keeps_its_figures(hx, monkeypatch):
    """A snapshot without the `assist_due` column is counted by the rule of its day:
    every registered household (HX included, whatever its exit date) and monitoring
    object."""
    new = snapshots.create(actor=None, area_code=COUNTY, as_of=AS_OF)
    old_schema = {k: v for k, v in fr.HOUSEHOLD_SCHEMA.items() if k != "assist_due"}
    monkeypatch.setitem(snapshots.SCHEMAS, "households", old_schema)
    old = snapshots.create(actor=None, area_code=COUNTY, as_of=AS_OF)
    monkeypatch.undo()
    frames = snapshots.read(old)
    assert "assist_due" not in frames.households.columns
    hh = frames.households
    by_old_rule = hh.filter(engine.assist_due_before_transition(hh)).height
    old_values = figures(COUNTY, snapshot=old, depth=0)[0].values
    new_values = figures(COUNTY, snapshot=new, depth=0)[0].values
    assert old_values["assist_target_households"] == by_old_rule
    assert old_values["assist_target_households"] == new_values["assist_target_households"] + 1
