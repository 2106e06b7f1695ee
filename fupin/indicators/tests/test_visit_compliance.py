"""Visit compliance (走访达标率), computed by hand on the crafted registry.

Cadres A and B; the national visit interval is the default 30 days, 大路铺镇 (the township
of 大路铺村) has its own policy of 90 days. Pairings and visits:

=====  ==========  ===================================================================
H1     大坪村      A since 2023-01-01; A visited 2023-04-10 and 2023-06-15
H2     大坪村      A since 2023-01-01; A visited 2023-05-31; B (not paired) 2023-06-20
H3     清塘村      A since 2023-06-10 (too young to be due on 2023-06-30)
H4     清塘村      A and B since 2023-01-01; A visited 2023-06-01, B never
H5     大路铺村    B since 2023-03-15 (90 days); B visited 2023-04-15
H7     大路铺村    A since 2023-01-01 (removed on 2023-06-01); A visited 2023-06-20
=====  ==========  ===================================================================
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE
from fupin.assistance import choices as ac
from fupin.assistance.models import AssistancePolicy, Cadre, Pairing, Visit
from fupin.assistance.selectors import overdue_cadres
from fupin.indicators import engine, snapshots
from fupin.indicators import frames as fr
from fupin.indicators.selectors import figures
from fupin.indicators.tests.conftest import AS_OF

COUNTY = "431129000000"
TOWNSHIP = "431129100000"
D = dt.date


@pytest.fixture
def visits(crafted):
    n = crafted
    AssistancePolicy.objects.create(
        region_id=OTHER_TOWNSHIP_VILLAGE[:9].ljust(12, "0"), visit_interval_days=90
    )
    a = Cadre.objects.create(name="甲", unit="县财政局", rank=ac.Rank.SECTION, home_area_id=COUNTY)
    b = Cadre.objects.create(name="乙", unit="县教育局", rank=ac.Rank.ORDINARY, home_area_id=COUNTY)

    def pair(cadre, h, start):
        Pairing.objects.create(cadre=cadre, household=h, kind=ac.PairingKind.KEY, start_date=start)

    def visit(cadre, h, day):
        Visit.objects.create(cadre=cadre, household=h, date=day, purpose=ac.VisitPurpose.FOLLOW_UP)

    pair(a, n.h1, D(2023, 1, 1))
    visit(a, n.h1, D(2023, 4, 10))
    visit(a, n.h1, D(2023, 6, 15))
    pair(a, n.h2, D(2023, 1, 1))
    visit(a, n.h2, D(2023, 5, 31))  # exactly as-of − 30 days: not after it, overdue
    visit(b, n.h2, D(2023, 6, 20))  # B is not paired with H2: does not count
    pair(a, n.h3, D(2023, 6, 10))
    pair(a, n.h4, D(2023, 1, 1))
    pair(b, n.h4, D(2023, 1, 1))
    visit(a, n.h4, D(2023, 6, 1))
    pair(b, n.h5, D(2023, 3, 15))
    visit(b, n.h5, D(2023, 4, 15))
    pair(a, n.h7, D(2023, 1, 1))
    visit(a, n.h7, D(2023, 6, 20))
    return n


def triple(values):
    return (
        values["visit_due_households"],
        values["visit_compliant_households"],
        values["visit_compliance"],
    )


def test_visit_compliance_by_hand(visits):
    nodes = {n.code: n.values for n in figures(COUNTY, as_of=AS_OF, depth=3)}
    # 大坪村: H1 visited in time, H2 overdue (its paired cadre's last visit is not after
    # 2023-05-31; the unpaired cadre's visit does not count).
    assert triple(nodes[VILLAGE]) == (2, 1, 50.0)
    # 清塘村: H3's pairing is too young; H4 has one of its two due cadres overdue.
    assert triple(nodes[NEIGHBOUR]) == (1, 0, 0.0)
    # 大路铺村: H5 in time under its township's 90 days (overdue under 30); H7 was removed
    # on 2023-06-01 and is outside the households to be assisted.
    assert triple(nodes[OTHER_TOWNSHIP_VILLAGE]) == (1, 1, 100.0)
    # Upper levels: rates from the summed counts, never a mean of the villages' rates.
    assert triple(nodes[TOWNSHIP]) == (3, 1, 33.33)
    assert triple(nodes[COUNTY]) == (4, 2, 50.0)


def test_visit_compliance_as_of_a_past_date(visits):
    """On 2023-04-30: H1 visited 2023-04-10 (in time); H2 and H4 not yet visited; H3 not
    paired yet; H5's pairing (since 2023-03-15) is younger than 90 days; H7 is still
    poor (to be assisted), due under 90 days and not visited before 2023-06-20."""
    nodes = {n.code: n.values for n in figures(COUNTY, as_of=D(2023, 4, 30), depth=3)}
    assert triple(nodes[VILLAGE]) == (2, 1, 50.0)
    assert triple(nodes[NEIGHBOUR]) == (1, 0, 0.0)
    assert triple(nodes[OTHER_TOWNSHIP_VILLAGE]) == (1, 0, 0.0)
    assert triple(nodes[COUNTY]) == (4, 1, 25.0)


def test_same_rule_as_the_assistance_overdue_list(visits, users):
    """The due households that are not compliant are exactly the households of the
    assistance app's overdue list (all of them are to be assisted here)."""
    frames = fr.load("431129", AS_OF)
    hh = frames.households
    late = set(hh.filter(hh["visit_due"] & ~hh["visit_on_time"])["household_id"].to_list())
    overdue = {
        h.pk for o in overdue_cadres(user=users["county"], as_of=AS_OF) for h, _seen in o.households
    }
    assert late == overdue == {visits.h2.pk, visits.h4.pk}


def test_intervals_looked_up_once_per_policy_region(visits, django_assert_max_num_queries):
    codes = [VILLAGE, NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE]
    with django_assert_max_num_queries(1 + 2 * 3):  # the regions, then ≤ 3 per policy_for
        intervals = fr.visit_intervals(codes)
    assert intervals == {VILLAGE: 30, NEIGHBOUR: 30, OTHER_TOWNSHIP_VILLAGE: 90}


def test_snapshot_carries_visit_compliance(visits):
    snap = snapshots.create(actor=None, area_code=COUNTY, as_of=AS_OF)
    values = figures(COUNTY, snapshot=snap, depth=0)[0].values
    assert triple(values) == (4, 2, 50.0)


def test_snapshot_without_the_visit_columns_reads_as_no_data(visits, monkeypatch):
    """A snapshot written before the visit-due columns existed still reads: these
    figures are None (no data), the others are there."""
    old = {k: v for k, v in fr.HOUSEHOLD_SCHEMA.items() if k not in engine.VISIT_DUE_COLUMNS}
    monkeypatch.setitem(snapshots.SCHEMAS, "households", old)
    snap = snapshots.create(actor=None, area_code=COUNTY, as_of=AS_OF)
    monkeypatch.undo()
    assert "visit_due" not in snapshots.read(snap).households.columns
    nodes = figures(COUNTY, snapshot=snap, depth=3)
    for node in nodes:
        assert triple(node.values) == (None, None, None)
    county = nodes[0].values
    assert county["paired_households"] == 5  # H1–H5 (H7 was removed: not to be assisted)
