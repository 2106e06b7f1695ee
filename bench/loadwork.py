"""What the load bench's simulated users do, without locust (so tests can import it).

`TASKS` names each page kind and builds its URL from a role's plan; `WORK` says which
page kinds each role visits and how often; `build_plan` reads the work items (households,
search terms, cases waiting for a village step, paired households) from the database for
the given users. bench/locustfile.py drives them; bench/load.py writes the plan;
fupin/web/tests/test_load_tasks.py checks every page kind against the app.
"""

from __future__ import annotations

import random
import re
from typing import Any

PASSWORD = "fupin-demo"  # the demo logins' password (fupin.registry.demo.DEMO_PASSWORD)
ROLES = ("village", "township", "county")

STEP_FIELD = re.compile(r'name="step"\s+value="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')

Plan = dict[str, Any]


def household_search(plan: Plan, rng: random.Random) -> str:
    return "/households/?q=" + rng.choice(plan["search"])


def household_page(plan: Plan, rng: random.Random) -> str:
    return f"/households/{rng.choice(plan['households'])}/"


def household_filter(plan: Plan, rng: random.Random) -> str:
    area = rng.choice(plan["areas"])
    status = rng.choice(["poor", "exited", "monitored", ""])
    return f"/households/?area={area}&status={status}" if status else f"/households/?area={area}"


def case_list(plan: Plan, rng: random.Random) -> str:
    return "/cases/?status=" + rng.choice(["in_progress", "returned", ""])


def case_page(plan: Plan, rng: random.Random) -> str:
    return f"/cases/{rng.choice(plan['cases'])}/"


def visit_form(plan: Plan, rng: random.Random) -> str:
    household, _cadre = rng.choice(plan["visits"])
    return f"/assistance/households/{household}/visit/"


def dashboard(plan: Plan, rng: random.Random) -> str:
    return f"/dashboard/{plan['area']}/"


def dashboard_data(plan: Plan, rng: random.Random) -> str:
    return f"/dashboard/{plan['area']}/" + rng.choice(["map.json", "trends.json"])


def api_page(plan: Plan, rng: random.Random) -> str:
    return "/api/v1/households?limit=50&area=" + rng.choice(plan["api_areas"])


# Page kind → URL builder (GET). The two writes post to "case page" (case step) and to
# "visit form" (visit record); "login" is the sign-in form, once per simulated user.
TASKS = {
    "household search": household_search,
    "household page": household_page,
    "household list filter": household_filter,
    "case list filter": case_list,
    "case page": case_page,
    "visit form": visit_form,
    "dashboard": dashboard,
    "dashboard data": dashboard_data,
    "api page": api_page,
}
WRITES = {"case step": "case page", "visit record": "visit form"}

# Which page kinds each role's users do, with weights (relative frequency). A dashboard
# visit also fetches its map and trends ("dashboard data"), as the page's charts do.
WORK: dict[str, dict[str, int]] = {
    "village": {
        "household search": 4,
        "household page": 6,
        "household list filter": 2,
        "case step": 2,
        "visit record": 2,
        "dashboard": 1,
    },
    "township": {
        "household search": 3,
        "household page": 4,
        "household list filter": 3,
        "case list filter": 2,
        "dashboard": 2,
        "api page": 1,
    },
    "county": {
        "household search": 2,
        "household page": 3,
        "household list filter": 3,
        "case list filter": 1,
        "dashboard": 3,
        "api page": 2,
    },
}
# Simulated users per role, relatively (50 users: 25 village, 17 township, 8 county).
ROLE_WEIGHTS = {"village": 3, "township": 2, "county": 1}


def build_plan(users: dict[str, Any], *, api_key: str, seed: int = 16, size: int = 300) -> Plan:
    """The work items of each role's user, read from the database (Django set up).

    `users`: role name ("village", "township", "county") → the User signing in as it.
    """
    # Imported here: this module is also loaded by locust, which has no Django set up.
    from fupin.assistance.choices import VisitPurpose
    from fupin.assistance.models import Pairing
    from fupin.cases.models import ACTIVE_STATUSES, Case
    from fupin.geo.models import Division
    from fupin.registry.models import Household, Member

    rng = random.Random(seed)
    roles: dict[str, Plan] = {}
    for role, user in users.items():
        pks = list(
            Household.objects.restrict(user).order_by("id").values_list("id", flat=True)[:20_000]
        )
        households = rng.sample(pks, min(size, len(pks)))
        names = list(
            Member.objects.restrict(user)
            .filter(household_id__in=households[:100])
            .values_list("name", flat=True)
        )
        numbers = list(
            Household.objects.filter(id__in=households[:50]).values_list("number", flat=True)
        )
        search = [n for n in names if n] + [n[:2] for n in names[:20] if n] + numbers
        divisions = [
            user.area,
            *Division.objects.restrict(user).filter(parent_id=user.area_id).order_by("code")[:30],
        ]
        cases = []
        if role == "village":
            for case in (
                Case.objects.restrict(user).filter(status__in=ACTIVE_STATUSES).order_by("id")[:2000]
            ):
                step = case.current_step
                if step and step.role == user.role and not step.review and not step.notice:
                    cases.append(case.pk)
        visits = [
            (p.household_id, p.cadre_id)
            for p in Pairing.objects.restrict(user).current().order_by("id")[:size]
        ]
        roles[role] = {
            "username": user.username,
            "area": user.area_id,
            "areas": [d.code for d in divisions],
            # The API's area filter takes a division's full code or its prefix (both mean
            # the division's range, geo.codes.significant_prefix); the bench sends prefixes.
            "api_areas": [d.prefix for d in divisions],
            "households": households,
            "search": search or ["张"],
            "cases": cases,
            "visits": visits,
            "visit_purpose": VisitPurpose.FOLLOW_UP.value,
        }
    return {"api_key": api_key, "roles": roles}
