"""Fixtures of the project and fund tests: a fund source with a 2018 county allocation and
a helper that walks a project to a given state through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache

from conftest import VILLAGE
from fupin.funds import services as funds
from fupin.funds.models import FundSource, SourceKind
from fupin.projects import services
from fupin.projects.models import ProjectState

COUNTY = "431129000000"

PROJECT = {
    "name": "大坪村通组公路硬化",
    "type": "road",
    "year": 2018,
    "description": "硬化通组公路 3.2 公里",
    "responsible_unit": "江华县交通运输局",
    "budget_requested": Decimal("640000.00"),
    "starts_on": dt.date(2018, 3, 1),
    "ends_on": dt.date(2018, 10, 31),
}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def source(db):
    return FundSource.objects.create(kind=SourceKind.CENTRAL, name="中央财政专项扶贫资金")


@pytest.fixture
def allocation(users, source):
    return funds.allocation_create(
        actor=users["county"],
        source=source,
        area_code=COUNTY,
        year=2018,
        amount="1000000.00",
        document="湘财农指〔2018〕1号",
    )


def second_county():
    """Another county office user (a countersigner, a second approver)."""
    from fupin.accounts.models import User
    from fupin.accounts.roles import Role

    user, _created = User.objects.get_or_create(
        username="county2", defaults={"role": Role.COUNTY_OFFICE, "area_id": COUNTY}
    )
    return user


def pay(users, line, amount, paid_on=dt.date(2018, 6, 1), **kw):
    """Record a payment as the county and, over the threshold, countersign it as another
    county user: money paid, as before the countersignature existed."""
    d = funds.disburse(actor=users["county"], line=line, amount=amount, paid_on=paid_on, **kw)
    if d.status == "pending":
        d = funds.payment_countersign(actor=second_county(), disbursement=d, approve=True)
    return d


def propose(user, villages=(VILLAGE,), **over):
    return services.project_create(
        actor=user, data=dict(PROJECT, **over), village_codes=list(villages)
    )


@pytest.fixture
def project(users):
    return propose(users["village"])


def walk(project, users, to: str, *, allocation=None, budget="600000.00", starter="village"):
    """Move a project through the lifecycle to `to` (committing a budget on the way)."""
    order = [
        ("review", "township", ProjectState.REVIEWED),
        ("approve", "county", ProjectState.APPROVED),
        ("start", starter, ProjectState.IN_PROGRESS),
        ("accept", "county", ProjectState.ACCEPTED),
        ("disclose", "county", ProjectState.DISCLOSED),
    ]
    for action, who, state in order:
        if project.state == to:
            break
        if project.state not in services.ACTIONS[action].sources:
            continue  # already past this step
        if action == "approve" and allocation is not None:
            funds.budget_line_set(
                actor=users["county"], project=project, allocation=allocation, amount=budget
            )
        project = services.transition(
            actor=users[who], project=project, action=action, evidence="验收报告"
        )
        assert project.state == state
    assert project.state == to
    return project
