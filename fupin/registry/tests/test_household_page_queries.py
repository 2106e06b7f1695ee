"""The household page's cost in queries: a ceiling, so that a panel that reads the same
rows again (or once per row) fails here (issue 16: the load bench's worst page)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fupin.registry import panels, selectors, services
from fupin.registry.models import Assessment

# Signed-in page of a household with members, incomes and assessments of several years:
# session, user, area, household (with its panels' flags: registry.panels), members,
# incomes, assessments, member changes, cases and the policy set. The panels
# whose flag says the household has no rows (files, findings, assistance, projects,
# monitoring, tips) read nothing.
CEILING = 10


def _fill(users, household):
    for year, wages in ((2015, "2400"), (2016, "2600"), (2017, "3300")):
        services.income_set(
            actor=users["village"],
            household=household,
            year=year,
            data={"household_size": 1, "wages": Decimal(wages)},
        )
        services.assessment_set(
            actor=users["village"],
            household=household,
            year=year,
            data={
                **dict.fromkeys(Assessment.CONDITIONS, True),
                "assessed_on": dt.date(year, 11, 1),
                "assessor": "王",
            },
        )


def test_household_page_stays_under_its_query_ceiling(client, users, household):
    _fill(users, household)
    for role in ("village", "township", "county"):
        client.force_login(users[role])
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(f"/households/{household.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        text = page.content.decode()
        assert "3300" in text and "Decision of the policy in force" in text
        sqls = [q["sql"] for q in ctx.captured_queries]
        assert len(sqls) <= CEILING, "\n".join(sqls)
        incomes = [s for s in sqls if 'FROM "registry_incomerecord"' in s]
        assert len(incomes) == 1, incomes  # the table and the policy panel share one read


def test_household_head_pages_do_not_read_the_household_rows(client, users, household):
    """History, as of a date, edit and the forms that open a case or a monitoring case show
    the household's head only: no incomes, assessments or attachments read for them (the
    household page prefetches those)."""
    _fill(users, household)
    client.force_login(users["village"])
    tables = ("registry_incomerecord", "registry_assessment", "registry_attachment")
    for url in (
        f"/households/{household.pk}/history/",
        f"/households/{household.pk}/as-of/?as_of=2030-01-01",
        f"/households/{household.pk}/edit/",
        reverse("cases:case_new", args=[household.pk]),
        reverse("monitoring:object_open", args=[household.pk]),
    ):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200, url
        sqls = [q["sql"] for q in ctx.captured_queries]
        read = [t for t in tables if any(f'FROM "{t}"' in s for s in sqls)]
        assert read == [], (url, read)


def test_panels_without_rows_read_nothing(client, users, household):
    """The household's panel flags are read with it: a panel of a kind it has no rows of
    (files, findings, pairings, visits, plan, measures, monitoring, warnings, tips,
    projects)
    queries nothing, while the page still shows each panel's empty state."""
    client.force_login(users["county"])
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(f"/households/{household.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "No files yet." in page.content.decode()
    skipped = (
        "registry_attachment",
        "compare_finding",
        "assistance_pairing",
        "assistance_visit",
        "assistance_householdplan",
        "assistance_measure",
        "monitoring_monitoringobject",
        "monitoring_riskwarning",
        "tips_tip",
        "projects_project",
    )
    sqls = [q["sql"] for q in ctx.captured_queries]
    household_reads = [s for s in sqls if s.startswith('SELECT "registry_household"')]
    others = [s for s in sqls if s not in household_reads]
    read = [t for t in skipped if any(f'FROM "{t}"' in s for s in others)]
    assert read == [], read
    assert any('EXISTS(SELECT 1 AS "a" FROM "compare_finding"' in s for s in household_reads)


def test_panel_flags_agree_with_the_tables_household_after_household(
    users, household, neighbour_household
):
    """The flag expressions are built once and reused: each household still gets its own
    answers (the same as asking each table), and the kept expressions are not changed."""
    kept = {name: repr(e.query.where) for name, e in panels.flags().items()}
    assert panels.MEMBER_CHANGES in kept and "panel_findings" in kept
    for h, user in ((household, users["village"]), (neighbour_household, users["neighbour"])):
        for _ in range(2):
            got = selectors.household_get(user=user, pk=h.pk, flags=panels.flags())
            for name, model in panels._kinds.items():
                expected = model._default_manager.filter(household_id=h.pk).exists()
                assert getattr(got, name) is expected, (h.pk, name)
    assert {name: repr(e.query.where) for name, e in panels.flags().items()} == kept
