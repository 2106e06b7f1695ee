"""The two forms of the completeness rule agree (fupin.dossier.rules): the row form on
one household at a time and the column form on whole columns, for any households,
checklist items and evidence."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from fupin.dossier import rules

KINDS = ["attachment", "case_step", "income", "signature"]
PARAMS = ["", "photo", "signed_scan", "inclusion:survey", "2020"]
TITLES = ["", "申请", "公示", "调查"]
STATUSES = ["poor", "exited", "monitored"]

sources = st.builds(
    rules.Source, st.sampled_from(KINDS), st.sampled_from(PARAMS), st.sampled_from(TITLES)
)
items = st.lists(
    st.tuples(
        st.sampled_from([1, 2]),
        st.sampled_from(STATUSES),
        st.lists(sources, min_size=1, max_size=3),
    ),
    max_size=8,
)
evidence = st.lists(
    st.tuples(
        st.integers(1, 6),
        st.sampled_from(KINDS),
        st.sampled_from(PARAMS[1:]),
        st.sampled_from(["申请书", "公示照片", "入户调查表", "其他", ""]),
    ),
    max_size=25,
)
households = st.dictionaries(
    st.integers(1, 6), st.tuples(st.sampled_from([1, 2]), st.sampled_from(STATUSES)), max_size=6
)


@settings(max_examples=200, deadline=None)
@given(households, items, evidence)
def test_row_and_column_forms_agree(hh, item_rows, ev_rows):
    its = [
        rules.Item(id=n, checklist_id=c, status=s, name=f"doc{n}", sources=tuple(src))
        for n, (c, s, src) in enumerate(item_rows, start=1)
    ]
    when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    evs = [rules.Evidence(h, k, p, t, "who", when, n) for n, (h, k, p, t) in enumerate(ev_rows)]

    row_form = {}
    for hid, (checklist, status) in hh.items():
        mine = [i for i in its if i.checklist_id == checklist]
        for r in rules.household_items(status, mine, [e for e in evs if e.household_id == hid]):
            row_form[(hid, r.item.id)] = r.present

    frame = rules.completeness_frame(
        rules.pl.DataFrame(
            [(h, c, s) for h, (c, s) in hh.items()], schema=rules.HOUSEHOLDS_SCHEMA, orient="row"
        ),
        rules.items_frame(its),
        rules.evidence_frame(evs),
    )
    column_form = {(h, i): p for h, i, p in frame.iter_rows()}
    assert column_form == row_form


def test_a_source_with_a_title_needs_it_in_the_title():
    item = rules.Item(1, 1, "poor", "申请书", (rules.Source("attachment", "signed_scan", "申请"),))
    when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    other = rules.Evidence(7, "attachment", "signed_scan", "入户调查表", "a", when)
    assert not rules.household_items("poor", [item], [other])[0].present
    right = rules.Evidence(7, "attachment", "signed_scan", "贫困户申请书", "a", when)
    photo = rules.Evidence(7, "attachment", "photo", "申请书照片", "a", when)
    assert not rules.household_items("poor", [item], [photo])[0].present
    assert rules.household_items("poor", [item], [other, right])[0].found == right
    # an item of another status is not required
    assert rules.household_items("exited", [item], [right]) == []
