"""The household page shows the case trail that explains the household's status (which
case, its steps, who signed them and when, the public notice and its objections) and the
actions open to the user, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fupin.cases import selectors, services
from fupin.cases.models import CaseStatus, ObjectionStatus
from fupin.cases.procedures import CaseKind
from fupin.cases.tests.helpers import TODAY, do, make_household, post_notice, walk_to_notice
from fupin.registry.choices import HouseholdStatus

pytestmark = pytest.mark.django_db


def _included(users, name="盘石生", seq="301"):
    """A candidate household taken in through an inclusion case: steps by village,
    township and county users, a notice with an objection the township dismissed."""
    h = make_household(users, name, seq, status=HouseholdStatus.CANDIDATE)
    case = services.case_open(
        actor=users["village"], household=h, kind=CaseKind.INCLUSION, today=TODAY
    )
    case = walk_to_notice(users, case)
    notice = post_notice(users, [case])
    objection = services.objection_add(
        actor=users["village"],
        notice=notice,
        cases=[case],
        text="群众反映该户收入较高",
        received_on=TODAY,
    )
    services.objection_resolve(
        actor=users["township"], objection=objection, upheld=False, resolution="核实收入属实"
    )
    services.advance_expired_notices(today=notice.ends_on + dt.timedelta(days=1))
    case.refresh_from_db()
    while case.current_step is not None:
        case = do(users, case)
    h.refresh_from_db()
    assert case.status == CaseStatus.PASSED and h.status == HouseholdStatus.POOR
    return h, case, notice, objection


def test_the_page_shows_the_inclusion_case_its_steps_signers_and_notice(client, users):
    h, case, notice, objection = _included(users)
    client.force_login(users["county"])
    page = client.get(reverse("household_detail", args=[h.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.text
    trail = text[text.index('id="case-trail"') :]
    assert reverse("cases:case_detail", args=[case.pk]) in trail
    assert "decided by the Inclusion case" in trail
    # Every step in order, with who signed it.
    labels = [r.label for r in case.records.order_by("done_at", "id")]
    positions = [trail.index(str(label)) for label in labels]
    assert positions == sorted(positions)
    signers = {r.actor.username for r in case.records.exclude(actor=None)}
    assert {"village", "township", "county"} <= signers
    for username in signers:
        assert username in trail
    assert "analysis 记录" in trail  # the evidence of a step
    # The notice, its dates and the objection with its outcome.
    assert reverse("cases:notice_detail", args=[notice.pk]) in trail
    assert notice.ends_on.isoformat() in trail
    assert objection.text in trail and "Dismissed" in trail and "核实收入属实" in trail
    page = client.get(reverse("household_detail", args=[h.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "县级审定" in page.text and "公示" in page.text and "已排除" in page.text


def test_a_village_user_may_open_an_exit_case_a_department_user_may_not(client, users):
    h = make_household(users, "盘石生", "302")  # in poverty (未脱贫)
    url = reverse("household_detail", args=[h.pk])
    open_exit = reverse("cases:case_new", args=[h.pk]) + "?kind=exit"
    client.force_login(users["village"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert open_exit in page.text and "Open a case: Exit from poverty" in page.text
    assert "?kind=inclusion" not in page.text  # not from this status
    client.force_login(users["department"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and open_exit not in page.text
    assert "Open a case" not in page.text


def test_the_active_case_step_is_offered_only_to_who_may_do_it(client, users):
    h = make_household(users, "盘石生", "303")
    case = services.case_open(actor=users["village"], household=h, kind=CaseKind.EXIT)
    case = do(users, case)  # deliberation (village); now verification, a township step
    url = reverse("household_detail", args=[h.pk])
    action = reverse("cases:case_detail", args=[case.pk]) + "#action"
    client.force_login(users["township"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Case running now" in page.text and action in page.text
    client.force_login(users["village"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Case running now" in page.text and action not in page.text
    # An exit case is running: no second status-changing case is offered.
    assert "?kind=removal" not in page.text and "?kind=exit" not in page.text
    assert "?kind=member_change" in page.text


def test_outside_the_area_is_a_404(client, users):
    h = make_household(users, "盘石生", "304")
    client.force_login(users["neighbour"])
    assert client.get(reverse("household_detail", args=[h.pk])).status_code == 404


def test_the_trail_takes_a_fixed_number_of_queries(users):
    one, *_ = _included(users, "甲", "305")
    two, *_ = _included(users, "乙", "306")
    exit_case = services.case_open(actor=users["village"], household=two, kind=CaseKind.EXIT)
    walk_to_notice(users, exit_case)
    counts = []
    for h in (one, two):
        with CaptureQueriesContext(connection) as q:
            trail = selectors.status_trail(h, users["county"])
        counts.append(len(q))
    assert trail.active is not None and trail.current is not None
    assert len(trail.current.steps) == 8 and trail.current.notices
    assert trail.current.notices[0].objections[0].objection.status == ObjectionStatus.DISMISSED
    assert counts[0] == counts[1] <= 8, counts
