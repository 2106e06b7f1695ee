"""One parametrised test walks the authority table (`fupin.accounts.authority.RULES`):
for every decision and every role — at the levels that matter — the real service allows
or refuses exactly as the table says.

Each app whose services enforce a rule of the table keeps, in
`fupin/<app>/tests/authority_invokers.py`, an `INVOKERS` dict: authority code →
`fn(actor, users)`, which prepares a fresh object in the conftest village (authored by
the conftest `users`, never by `actor`) and then calls the real service as `actor`. A
refusal is a `NotAllowed` (403) or, for a decision on something above the actor's area,
an `OutsideArea` (404); anything else that goes wrong fails the test. The case
steps, whose roles live in `fupin.cases.procedures`, are walked the same way in
`fupin/cases/tests`.
"""

from __future__ import annotations

import importlib

import pytest

from conftest import VILLAGE
from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.core.errors import NotAllowed, OutsideArea

INVOKER_MODULES = (
    "fupin.cases.tests.authority_invokers",
    "fupin.compare.tests.authority_invokers",
    "fupin.monitoring.tests.authority_invokers",
    "fupin.projects.tests.authority_invokers",
    "fupin.funds.tests.authority_invokers",
    "fupin.supervision.tests.authority_invokers",
    "fupin.indicators.tests.authority_invokers",
    "fupin.assessment.tests.authority_invokers",
    "fupin.exchange.tests.authority_invokers",
    "fupin.tips.tests.authority_invokers",
    "fupin.microcredit.tests.authority_invokers",
    "fupin.employment.tests.authority_invokers",
    "fupin.relocation.tests.authority_invokers",
    "fupin.industry.tests.authority_invokers",
    "fupin.education.tests.authority_invokers",
    "fupin.teams.tests.authority_invokers",
)

# Who acts: every role at the level its name says, plus the levels the table tells apart
# (a county office and an inspector of the prefecture, above the county).
ACTORS = (
    (Role.VILLAGE_STAFF, VILLAGE),
    (Role.TOWNSHIP_STATION, "431129100000"),
    (Role.COUNTY_OFFICE, "431129000000"),
    (Role.COUNTY_OFFICE, "431100000000"),
    (Role.DEPARTMENT, "431129000000"),
    (Role.INSPECTOR, "431129000000"),
    (Role.INSPECTOR, "431100000000"),
    (Role.CADRE, VILLAGE),
    (Role.SYSADMIN, None),
)


def invokers() -> dict:
    found: dict = {}
    for name in INVOKER_MODULES:
        module = importlib.import_module(name)
        overlap = set(found) & set(module.INVOKERS)
        assert not overlap, f"{name} invokes {overlap} again"
        found.update(module.INVOKERS)
    return found


def test_every_decision_of_the_table_is_walked():
    assert set(invokers()) == set(authority.AUTHORITY)


def test_every_rule_names_roles_that_exist_and_a_label():
    for rule in authority.RULES:
        assert rule.grants, rule.code
        assert all(g.role in Role.values for g in rule.grants), rule.code
        assert str(rule.label), rule.code


@pytest.mark.parametrize(("role", "area"), ACTORS, ids=lambda x: str(x))
@pytest.mark.parametrize("code", sorted(authority.AUTHORITY))
def test_service_allows_or_refuses_as_the_table_says(code, role, area, users):
    actor = User.objects.create_user(
        username=f"actor-{role}-{area}",
        password="x",
        role=role,
        area_id=area,
        is_superuser=area is None,
        unit="民政局" if role == Role.DEPARTMENT else "",
    )
    expected = authority._granted(actor, authority.AUTHORITY[code])
    invoke = invokers()[code]
    if expected:
        invoke(actor, users)
    else:
        # Refused: 403, or 404 where the decision is on something above the actor's area
        # (a county's exit criteria or assessment seen from a village).
        with pytest.raises((NotAllowed, OutsideArea)):
            invoke(actor, users)
