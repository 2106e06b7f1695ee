"""The posts, employment and relocation figures, counted by hand on the crafted registry
(see conftest) with a few records made through the services (their dates decide):

====  ==========================  ========================================================
P1    post of 大坪村              H1's head (born 1970) appointed from 2023-01-01
P2    post of 清塘村              H4's head proposed from 2023-01-01, never appointed
J1    H2's 1980-born member       migrant work 2022-03-01, ended on AS_OF (not that day)
J2    H3's 1985-born member       a local job from the day after AS_OF
J3    H6's member (born 1960)     a workshop since 2021; H6 moves 大坪村→清塘村 2023-05-20
J4    H5's member moved in        a job since 2023-03-01
J5    H7's 1965-born member       a job; H7 is removed on 2023-06-01
R1    H1 (3 people)               relocated to the site: moved in 2023-03-01
R2    H6 (1 person)               moved in the day after AS_OF + 14 days
====  ==========================  ========================================================

Labourers of registered households on AS_OF (skilled, ordinary or weak, aged 16–64):
大坪村 3 (H1 two, H2 one), 清塘村 4 (H3 two, H4 one, H6 one), 大路铺村 2 (H5); H7 and H8
are removed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE
from fupin.dashboards import selectors as dashboard
from fupin.dashboards.templatetags.dashboards import figure_value
from fupin.employment import rules, services
from fupin.employment.models import Holding, Placement
from fupin.indicators import engine, snapshots
from fupin.indicators import frames as fr
from fupin.indicators.selectors import figures
from fupin.indicators.tests.conftest import AS_OF
from fupin.relocation import services as relocation

COUNTY = "431129000000"
TOWNSHIP = "431129100000"
FIGURES = (
    "public_post_holders",
    "labourers",
    "employed_labourers",
    "employed_labour_rate",
    "relocated_households",
    "relocated_people",
    "relocated_labourers",
    "relocated_employed_labourers",
    "relocated_labour_employed_rate",
)
JAN = dt.date(2023, 1, 1)


def _member(household, born):
    return household.members.filter(is_active=True, birth_date__year=born).get()


def _job(actor, member, start, end=None, kind="local"):
    return services.placement_record(
        actor=actor,
        household=member.household,
        member=member,
        data={
            "kind": kind,
            "employer": f"单位{member.pk}",
            "place": "县城",
            "place_scope": "in_county",
            "start_on": start,
            "end_on": end,
            "monthly_income": Decimal("2500"),
        },
        today=dt.date(2023, 12, 31),
    )


def _post(actor, village, code):
    return services.post_create(
        actor=actor,
        data={
            "code": code,
            "kind": "forest_ranger",
            "unit": "县林业局",
            "village_id": village,
            "monthly_pay": Decimal("833.33"),
            "funding": "central",
            "opened_on": dt.date(2022, 1, 1),
        },
    )


@pytest.fixture
def ledgers(crafted, users):
    actor, n = users["county"], crafted
    p1 = _post(actor, VILLAGE, "P1")
    h = services.holding_propose(
        actor=users["village"], post=p1, member=_member(n.h1, 1970), start_on=JAN
    )
    services.holding_decide(actor=actor, holding=h, approve=True, today=dt.date(2022, 12, 25))
    p2 = _post(actor, NEIGHBOUR, "P2")
    services.holding_propose(actor=actor, post=p2, member=_member(n.h4, 1975), start_on=JAN)
    _job(actor, _member(n.h2, 1980), dt.date(2022, 3, 1), AS_OF, kind="migrant")
    _job(actor, _member(n.h3, 1985), AS_OF + dt.timedelta(days=1))
    _job(actor, _member(n.h6, 1960), dt.date(2021, 1, 1), kind="workshop")
    mover = n.h5.members.filter(is_active=True, relation="spouse").get()
    _job(actor, mover, dt.date(2023, 3, 1))
    _job(actor, _member(n.h7, 1965), dt.date(2022, 1, 1))
    site = relocation.site_create(
        actor=actor,
        data={
            "name": "大坪安置点",
            "kind": "centralised",
            "village_id": VILLAGE,
            "homes": 10,
            "capacity": 40,
            "completed_on": JAN,
        },
    )
    common = {"home": "1-101", "handed_over_on": dt.date(2023, 2, 1)}
    relocation.relocation_record(
        actor=actor,
        household=n.h1,
        site=site,
        data={
            **common,
            "people": 3,
            "home_area": Decimal("75"),
            "moved_in_on": dt.date(2023, 3, 1),
        },
    )
    relocation.relocation_record(
        actor=actor,
        household=n.h6,
        site=site,
        data={
            **common,
            "people": 1,
            "home_area": Decimal("25"),
            "moved_in_on": AS_OF + dt.timedelta(days=15),
        },
    )
    return n


def values(code, day, depth=0):
    return {
        n.code: {k: n.values[k] for k in FIGURES} for n in figures(code, as_of=day, depth=depth)
    }


def test_each_figure_by_hand_on_the_as_of_date(ledgers):
    v = values(TOWNSHIP, AS_OF, depth=1)
    assert v[VILLAGE] == {
        "public_post_holders": 1,  # H1's head on P1
        "labourers": 3,
        "employed_labourers": 1,  # J1 ended that day
        "employed_labour_rate": 33.33,
        "relocated_households": 1,  # H1
        "relocated_people": 3,
        "relocated_labourers": 2,
        "relocated_employed_labourers": 1,
        "relocated_labour_employed_rate": 50.0,
    }
    # 清塘村: P2 only proposed, J2 not begun, J3 followed H6 here; R2 not yet moved in.
    assert v[NEIGHBOUR] == {
        "public_post_holders": 0,
        "labourers": 4,
        "employed_labourers": 1,
        "employed_labour_rate": 25.0,
        "relocated_households": 0,
        "relocated_people": 0,
        "relocated_labourers": 0,
        "relocated_employed_labourers": 0,
        "relocated_labour_employed_rate": None,
    }
    other = values(OTHER_TOWNSHIP_VILLAGE, AS_OF)[OTHER_TOWNSHIP_VILLAGE]
    # H5's two labourers, one in work (J4); H7 removed: its worker is not counted.
    assert (other["labourers"], other["employed_labourers"], other["employed_labour_rate"]) == (
        2,
        1,
        50.0,
    )


def test_the_days_around(ledgers):
    before = values(TOWNSHIP, AS_OF - dt.timedelta(days=1), depth=1)
    assert before[VILLAGE]["employed_labourers"] == 2  # J1 still worked
    after = values(TOWNSHIP, AS_OF + dt.timedelta(days=1), depth=1)
    assert after[NEIGHBOUR]["employed_labourers"] == 2  # J2 began
    later = values(TOWNSHIP, AS_OF + dt.timedelta(days=15), depth=1)
    assert (
        later[NEIGHBOUR]["relocated_households"] == 1 and later[NEIGHBOUR]["relocated_people"] == 1
    )
    assert later[NEIGHBOUR]["relocated_labour_employed_rate"] == 100.0  # H6's worker (J3)


def test_before_the_move_the_figures_count_in_the_old_village(ledgers):
    v = values(TOWNSHIP, dt.date(2023, 5, 19), depth=1)
    assert v[VILLAGE]["labourers"] == 4  # H6 still in 大坪村
    assert v[VILLAGE]["employed_labourers"] == 3  # P1, J1, J3
    assert v[NEIGHBOUR]["labourers"] == 3 and v[NEIGHBOUR]["employed_labourers"] == 0


def test_before_any_record_nothing_but_the_labourers(ledgers):
    v = values(COUNTY, dt.date(2020, 12, 31))[COUNTY]
    assert v["public_post_holders"] == 0 and v["employed_labourers"] == 0
    assert v["relocated_households"] == 0 and v["relocated_labour_employed_rate"] is None


def test_levels_add_up(ledgers):
    nodes = figures(COUNTY, as_of=AS_OF, depth=2)
    county, townships = nodes[0], [n for n in nodes if n.level == 4]
    villages = [n for n in nodes if n.level == 5]
    for code in FIGURES:
        if code.endswith("_rate"):
            continue
        assert county.values[code] == sum(t.values[code] for t in townships), code
        for t in townships:
            kids = [v.values[code] for v in villages if v.parent == t.code]
            assert t.values[code] == sum(kids), (t.code, code)
    assert county.values["labourers"] == 9 and county.values["employed_labourers"] == 3
    assert county.values["employed_labour_rate"] == 33.33  # 3 ÷ 9, from the summed counts


def test_frames_follow_the_row_form_of_each_person(ledgers):
    """The household columns equal `rules.in_work` and `rules.is_labourer` per person."""
    day = AS_OF
    frames = fr.load("431129", day)
    hh = {r["household_id"]: r for r in frames.households.to_dicts()}
    holdings: dict[int, list] = {}
    for h in Holding.objects.all():
        holdings.setdefault(h.member_id, []).append(
            {
                "status": h.status,
                "start_on": h.start_on,
                "decided_on": h.decided_on,
                "end_on": h.end_on,
            }
        )
    jobs: dict[int, list] = {}
    for p in Placement.objects.all():
        jobs.setdefault(p.member_id, []).append({"start_on": p.start_on, "end_on": p.end_on})
    expected: dict[int, list[int]] = {}
    for person in frames.people.to_dicts():
        post, work = rules.in_work(
            holdings.get(person["person_id"], []), jobs.get(person["person_id"], []), day
        )
        labourer = rules.is_labourer(person["labour"], person["age"])
        counts = expected.setdefault(person["household_id"], [0, 0, 0])
        counts[0] += post
        counts[1] += labourer
        counts[2] += labourer and work
    for household_id, (posts, labourers, employed) in expected.items():
        row = hh[household_id]
        assert (row["emp_post_holders"], row["emp_labourers"], row["emp_employed"]) == (
            posts,
            labourers,
            employed,
        ), household_id


def test_snapshot_keeps_the_figures_and_an_old_one_has_no_data(ledgers, monkeypatch):
    new = snapshots.create(actor=None, area_code=COUNTY, as_of=AS_OF)
    assert values(COUNTY, AS_OF)[COUNTY] == {
        k: figures(COUNTY, snapshot=new, depth=0)[0].values[k] for k in FIGURES
    }
    dropped = (*fr.EMPLOYMENT_COLUMNS, *fr.RELOCATION_COLUMNS)
    old_schema = {k: v for k, v in fr.HOUSEHOLD_SCHEMA.items() if k not in dropped}
    monkeypatch.setitem(snapshots.SCHEMAS, "households", old_schema)
    old = snapshots.create(actor=None, area_code=COUNTY, as_of=AS_OF)
    monkeypatch.undo()
    frames = snapshots.read(old)
    assert set(engine.EMPLOYMENT) | set(engine.RELOCATION) <= engine.missing_counts(frames)
    for node in figures(COUNTY, snapshot=old, depth=2):
        assert {node.values[k] for k in FIGURES} == {None}, node.code
        assert node.values["registered_households"] is not None


def test_dashboard_shows_the_figures(client, users, ledgers):
    client.force_login(users["county"])
    html = client.get(reverse("dashboards:area", args=[COUNTY])).content.decode()
    node = figures(COUNTY, depth=0)[0]
    for code in ("public_post_holders", "employed_labour_rate", "relocated_people"):
        shown = figure_value(dashboard.figure(code, node.values))
        assert f'data-code="{code}"' in html and shown in html, code
