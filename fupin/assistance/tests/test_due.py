"""Help continues after exit (脱贫不脱帮扶): the rule of `fupin.assistance.due` on its
boundary days, per region, in the unpaired list, the assignment, the household page and
the indicators, and its three forms (row, queryset, Polars) agreeing (Hypothesis,
derandomised: every run checks the same cases)."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE
from fupin.assistance import due, selectors, services
from fupin.assistance.models import AssistancePolicy
from fupin.cases.models import Case, CaseStatus
from fupin.cases.procedures import CaseKind
from fupin.registry import choices as rc

S = rc.HouseholdStatus
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)
TOWNSHIP = "431129100000"
COUNTY = "431129"


def exit_case(h, day: dt.date, hour: int = 10) -> Case:
    """A passed exit case closed on `day` at `hour` local time (as the case's last step
    leaves it; the procedure itself is tested in fupin/cases)."""
    closed = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))
    return Case.objects.create(
        kind=CaseKind.EXIT, household=h, status=CaseStatus.PASSED, year=day.year, closed_at=closed
    )


@pytest.fixture
def exited(make_household):
    """An exited household of the village with its exit case passed on `day`."""

    def make(day: dt.date | None, village: str = VILLAGE, status_year: int | None = None):
        year = status_year or (day.year if day else 2016)
        h = make_household(village=village, status=S.EXITED, status_year=year)
        if day is not None:
            exit_case(h, day)
        return h

    return make


# ------------------------------------------------------------------ the row form


def test_boundary_exit_plus_five_years_exactly():
    exit_day = dt.date(2020, 12, 31)
    assert due.transition_end(exit_day, 5) == dt.date(2025, 12, 31)
    row = {"status": S.EXITED, "exit_date": exit_day, "years": 5}
    assert due.is_due(**row, on=dt.date(2025, 12, 31))
    assert not due.is_due(**row, on=dt.date(2026, 1, 1))
    assert due.is_due(**row, on=exit_day)
    # 29 February: the period ends on 28 February of a year without one.
    assert due.transition_end(dt.date(2020, 2, 29), 5) == dt.date(2025, 2, 28)
    assert due.transition_end(dt.date(2020, 2, 29), 4) == dt.date(2024, 2, 29)
    # In poverty, returned, monitored: always; candidates, removed: never.
    for status, expected in [
        (S.POOR, True),
        (S.RETURNED, True),
        (S.MONITORED, True),
        (S.CANDIDATE, False),
        (S.REMOVED, False),
    ]:
        row = {"status": status, "exit_date": None, "years": 5}
        assert due.is_due(**row, on=dt.date(2040, 1, 1)) is expected
    assert not due.is_due(status=S.EXITED, exit_date=None, on=exit_day, years=5)


@SETTINGS
@given(
    on=st.dates(dt.date(2014, 1, 1), dt.date(2040, 12, 31)),
    exit_day=st.dates(dt.date(2010, 1, 1), dt.date(2040, 12, 31)),
    years=st.integers(0, 20),
)
@example(on=dt.date(2024, 2, 29), exit_day=dt.date(2019, 2, 28), years=5)
@example(on=dt.date(2025, 2, 28), exit_day=dt.date(2020, 2, 29), years=5)
def test_earliest_exit_is_the_row_form_inverted(on, exit_day, years):
    """The column forms compare the exit date with `earliest_exit`; that comparison is the
    row form's addition, for every day, exit day and period (leap days included)."""
    assert (exit_day >= due.earliest_exit(on, years)) == (on <= due.transition_end(exit_day, years))


# ------------------------------------------------------------------ row form = Polars form

VILLAGES = [VILLAGE, NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, "431128100201"]
REGION_PREFIXES = ["431129100201", "431129100", "431129", "4311", "431128"]


@st.composite
def periods(draw) -> due.Periods:
    chosen = draw(st.lists(st.sampled_from(REGION_PREFIXES), unique=True, max_size=4))
    regions = [(p, draw(st.integers(0, 10))) for p in chosen]
    regions.sort(key=lambda r: (-len(r[0]), r[0]))
    return due.Periods(draw(st.integers(0, 10)), tuple(regions))


HOUSEHOLD_ROW = st.fixed_dictionaries(
    {
        "status": st.sampled_from([*S.values, ""]),
        "village_code": st.sampled_from(VILLAGES),
        "exit_case_date": st.one_of(
            st.none(), st.dates(dt.date(2013, 1, 1), dt.date(2035, 12, 31))
        ),
        "status_year": st.integers(2013, 2035),
    }
)


@SETTINGS
@given(
    rows=st.lists(HOUSEHOLD_ROW, min_size=1, max_size=25),
    p=periods(),
    on=st.dates(dt.date(2014, 1, 1), dt.date(2040, 12, 31)),
)
def test_row_and_polars_forms_agree(rows, p, on):
    expected = []
    for r in rows:
        exit_day = r["exit_case_date"] or due.fallback_exit_date(r["status_year"])
        expected.append(
            due.is_due(
                status=r["status"],
                exit_date=exit_day if r["status"] == S.EXITED else None,
                on=on,
                years=p.years_for(r["village_code"]),
            )
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "status": pl.String,
            "village_code": pl.String,
            "exit_case_date": pl.Date,
            "status_year": pl.Int64,
        },
    ).with_columns(exit_date=due.exit_date_expr())
    got = frame.select(due.due_expr(on, p).alias("d"))["d"].to_list()
    assert got == expected


def test_periods_follow_policy_for(tree):
    """The periods read once for a list take the same region as `policy_for`."""
    AssistancePolicy.objects.create(region=None, transition_years=6)
    AssistancePolicy.objects.create(region_id="431129000000", transition_years=4)
    AssistancePolicy.objects.create(region_id=TOWNSHIP, transition_years=3)
    p = due.periods()
    for code in [VILLAGE, NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, "431128100201"]:
        assert p.years_for(code) == selectors.policy_for(code).transition_years, code
    assert [p.years_for(c) for c in (VILLAGE, OTHER_TOWNSHIP_VILLAGE, "431128100201")] == [3, 4, 6]


# ------------------------------------------------------------------ the household's exit date


def test_exit_date_is_the_exit_case_day_local_time(exited):
    h = exited(None, status_year=2019)
    # Passed at 00:30 Beijing time on 1 January 2020: 16:30 UTC the day before.
    exit_case(h, dt.date(2020, 1, 1), hour=0)
    assert due.household_exit_date(h, dt.date(2030, 1, 1)) == dt.date(2020, 1, 1)
    assert due.household_due(h, dt.date(2025, 1, 1)).due
    assert not due.household_due(h, dt.date(2025, 1, 2)).due
    # A later exit (after a return to poverty) moves the date; a case not yet passed on
    # the day does not count.
    exit_case(h, dt.date(2023, 6, 1))
    assert due.household_exit_date(h, dt.date(2023, 5, 31)) == dt.date(2020, 1, 1)
    assert due.household_due(h, dt.date(2028, 6, 1)) == due.Due(
        True, dt.date(2023, 6, 1), dt.date(2028, 6, 1)
    )


def test_without_an_exit_case_the_status_year_dates_the_exit(exited):
    h = exited(None, status_year=2019)
    assert due.household_exit_date(h, dt.date(2024, 6, 1)) == dt.date(2019, 12, 31)
    assert due.household_due(h, dt.date(2024, 12, 31)).due
    assert not due.household_due(h, dt.date(2025, 1, 1)).due


def test_region_override(exited):
    """A township with a three-year period: its exited household leaves earlier than one
    of another township under the national five years."""
    AssistancePolicy.objects.create(region_id=TOWNSHIP, transition_years=3)
    exit_day = dt.date(2020, 6, 1)
    here, there = exited(exit_day), exited(exit_day, village=OTHER_TOWNSHIP_VILLAGE)
    on = dt.date(2024, 6, 1)
    assert not due.household_due(here, on).due
    assert due.household_due(there, on).due
    assert due.household_due(here, dt.date(2023, 6, 1)).due
    listed = set(selectors.due_households(COUNTY, on).values_list("pk", flat=True))
    assert there.pk in listed and here.pk not in listed


def test_the_policy_page_service_records_the_period(users):
    policy = services.assistance_policy_save(
        actor=users["county"],
        region_code="431129000000",
        max_households=5,
        visit_interval_days=30,
        rank_quotas={},
        transition_years=8,
        reason="省里延长过渡期",
    )
    assert selectors.policy_for(VILLAGE).transition_years == 8 == policy.transition_years
    from fupin.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        services.assistance_policy_save(
            actor=users["county"],
            region_code="431129000000",
            max_households=5,
            visit_interval_days=30,
            rank_quotas={},
            transition_years=99,
            reason="typo",
        )
    assert "transition_years" in exc.value.errors
    assert selectors.policy_for(VILLAGE).transition_years == 8


# ------------------------------------------------------------------ lists and assignment


def test_unpaired_list_and_assignment_keep_exited_households_in_their_period(
    users, make_cadre, make_household, exited
):
    on = dt.date(2024, 3, 1)
    inside = exited(dt.date(2020, 12, 15))
    beyond = exited(dt.date(2018, 12, 15))
    poor = make_household()
    removed = make_household(status=S.REMOVED, status_year=2019)
    unpaired = set(selectors.unpaired_households(VILLAGE, on).values_list("pk", flat=True))
    assert unpaired == {inside.pk, poor.pk}
    assert removed.pk not in unpaired and beyond.pk not in unpaired
    make_cadre()  # an ordinary cadre: five contact places
    households = selectors.unpaired_households(VILLAGE, on).only("id", "village_id")
    proposal = selectors.propose(households=households)
    assert {hid for hid, *_ in proposal.pairs} == {inside.pk, poor.pk}
    assert proposal.uncovered == []


def test_default_list_is_today_and_pairings_beyond_are_counted_not_ended(users, make_cadre, exited):
    """Today's lists (no date given): an exit a year ago is inside the period, one twenty
    years ago beyond it (both far from a boundary, so the day the test runs is moot). A
    pairing of a household beyond its period stays; the pairing page counts it."""
    today = timezone.localdate()
    recent = exited(today - dt.timedelta(days=365))
    old = exited(today - dt.timedelta(days=20 * 366))
    assert set(selectors.unpaired_households(VILLAGE).values_list("pk", flat=True)) == {recent.pk}
    cadre = make_cadre()
    services.pairing_create(
        actor=users["county"], cadre=cadre, household=old, kind="contact", start_date=today
    )
    assert list(selectors.paired_not_due(VILLAGE).values_list("pk", flat=True)) == [old.pk]


def test_cadre_leaving_hands_over_only_households_still_due(users, make_cadre, exited):
    on = dt.date(2024, 3, 1)
    inside, beyond = exited(dt.date(2020, 12, 15)), exited(dt.date(2018, 12, 15))
    leaving, successor = make_cadre(), make_cadre()
    for h in (inside, beyond):
        services.pairing_create(
            actor=users["county"], cadre=leaving, household=h, kind="contact", start_date=on
        )
    made = services.cadre_leave(
        actor=users["county"], cadre=leaving, date=on, reason="调动", successor=successor
    )
    assert [(p.household_id, p.cadre_id) for p in made] == [(inside.pk, successor.pk)]
    assert not beyond.pairings.filter(end_date__isnull=True).exists()


def test_household_page_says_help_continues_until(client, users, exited):
    today = timezone.localdate()
    exit_day = today - dt.timedelta(days=400)
    h = exited(exit_day)
    until = due.transition_end(exit_day, 5)
    client.force_login(users["village"])
    page = client.get(f"/households/{h.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"过渡期内，脱贫不脱帮扶（至 {until:%Y-%m-%d}）" in page
    page = client.get(f"/households/{h.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"help continues after exit (until {until:%Y-%m-%d})" in page
    old = exited(today - dt.timedelta(days=20 * 366))
    page = client.get(f"/households/{old.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "help continues after exit" not in page
    assert "transition period after exit ended on" in page


# ------------------------------------------------------------------ queryset form = row form


@pytest.fixture
def spread(users, make_household):
    """Households of every status in three villages of two townships, exited ones with
    exit cases closed around midnight and 29 February, or none (status-year fallback)."""
    out = []
    days = [
        dt.date(2016, 2, 29),
        dt.date(2018, 12, 31),
        dt.date(2019, 1, 1),
        dt.date(2020, 2, 28),
        dt.date(2020, 2, 29),
        dt.date(2021, 6, 30),
    ]
    villages = itertools.cycle([VILLAGE, NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE])
    for i, day in enumerate(days):
        h = make_household(village=next(villages), status=S.EXITED, status_year=day.year)
        exit_case(h, day, hour=(0, 10, 23)[i % 3])
        out.append(h)
    for year in (2017, 2019, 2021):
        out.append(make_household(village=next(villages), status=S.EXITED, status_year=year))
    for status in (S.POOR, S.RETURNED, S.MONITORED, S.REMOVED, S.CANDIDATE):
        out.append(make_household(village=next(villages), status=status, status_year=2019))
    return out


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    on=st.dates(dt.date(2019, 1, 1), dt.date(2028, 12, 31)),
    national=st.integers(0, 8),
    township=st.one_of(st.none(), st.integers(0, 8)),
)
@example(on=dt.date(2024, 2, 29), national=5, township=None)
@example(on=dt.date(2025, 2, 28), national=5, township=4)
def test_queryset_and_row_forms_agree(spread, on, national, township):
    """The households the list's filter selects are those the row form says are due, for
    any day and any national and township periods (the households stay, the policy rows
    are rewritten for each example)."""
    AssistancePolicy.objects.all().delete()
    AssistancePolicy.objects.create(region=None, transition_years=national)
    if township is not None:
        AssistancePolicy.objects.create(region_id=TOWNSHIP, transition_years=township)
    p = due.periods()
    listed = set(selectors.due_households(COUNTY, on).values_list("pk", flat=True))
    row = {h.pk for h in spread if due.household_due(h, on, p).due}
    assert listed == row
    # The Polars form over the same households and exit cases.
    frame = pl.DataFrame(
        [(h.pk, h.village_id, h.status, h.status_year) for h in spread],
        schema={
            "household_id": pl.Int64,
            "village_code": pl.String,
            "status": pl.String,
            "status_year": pl.Int64,
        },
        orient="row",
    )
    got = (
        frame.join(due.exit_dates(COUNTY, on), on="household_id", how="left")
        .with_columns(exit_date=due.exit_date_expr())
        .filter(due.due_expr(on, p))["household_id"]
        .to_list()
    )
    assert set(got) == row


# ------------------------------------------------------------------ indicators = list


def test_indicators_agree_with_the_list(users, make_cadre, make_household, exited):
    """Today's figures (as of today: the frames read the current tables) count as "to be
    assisted" exactly the households the unpaired list and the pairings draw from, per
    village and for the county; exits dated far from today's boundary."""
    from fupin.indicators import engine
    from fupin.indicators import frames as fr

    today = timezone.localdate()
    AssistancePolicy.objects.create(region_id=TOWNSHIP, transition_years=3)
    recent, four_years, long_ago = (
        today - dt.timedelta(days=200),
        today - dt.timedelta(days=4 * 365 + 30),
        today - dt.timedelta(days=12 * 365),
    )
    hs = [
        exited(recent),
        exited(four_years),  # beyond the township's three years
        exited(four_years, village=OTHER_TOWNSHIP_VILLAGE),  # within the national five
        exited(long_ago, village=OTHER_TOWNSHIP_VILLAGE),
        exited(None, village=NEIGHBOUR, status_year=today.year - 1),  # fallback: inside
        exited(None, village=NEIGHBOUR, status_year=today.year - 9),  # fallback: beyond
        make_household(village=NEIGHBOUR),
        make_household(status=S.MONITORED, status_year=2022, monitoring_type="edge"),
        make_household(status=S.REMOVED, status_year=2019),
    ]
    cadre = make_cadre(rank="ordinary")
    for h in (hs[0], hs[1]):
        services.pairing_create(
            actor=users["county"], cadre=cadre, household=h, kind="contact", start_date=today
        )
    counts = engine.village_counts(fr.load(COUNTY)).to_dicts()
    by_village = {r["village_code"]: r for r in counts}
    for village in (VILLAGE, NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE):
        listed = selectors.due_households(village, today)
        assert by_village[village]["assist_target_households"] == listed.count(), village
        unpaired = selectors.unpaired_households(village, today).count()
        assert by_village[village]["paired_households"] == listed.count() - unpaired, village
    total = sum(r["assist_target_households"] for r in counts)
    assert total == selectors.due_households(COUNTY, today).count() == 5
    assert sum(r["paired_households"] for r in counts) == 1  # hs[1] is paired, not due


def test_cadre_leaving_reads_due_and_paired_once_however_many_households(users, make_cadre, exited):
    """The hand-over decides "still paired" and "still due" (the exit cases) for all of
    the cadre's households in one statement each, not one per household."""
    on = dt.date(2024, 3, 1)

    def statements(n: int) -> tuple[int, int]:
        leaving, successor = make_cadre(), make_cadre()
        for _ in range(n):
            services.pairing_create(
                actor=users["county"],
                cadre=leaving,
                household=exited(dt.date(2020, 12, 15)),
                kind="contact",
                start_date=on,
            )
        with CaptureQueriesContext(connection) as ctx:
            made = services.cadre_leave(
                actor=users["county"], cadre=leaving, date=on, reason="调动", successor=successor
            )
        assert len(made) == n  # all still due, all paired again
        reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
        return sum("cases_case" in q for q in reads), len(made)

    assert statements(1)[0] == statements(4)[0] == 1
