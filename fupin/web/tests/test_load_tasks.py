"""The load bench's work (bench/loadwork.py, driven by bench/locustfile.py) still matches
the app: every page kind a role's simulated users request answers 200 for that role, the
two writes are recorded the way the simulated users post them, and the sign-in works as
they do it (the CSRF token read from the form). So the bench cannot rot silently when a
URL, a form field or a page changes. No timings here: bench/load.py prints those."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.test import Client

from bench import loadwork as work
from conftest import pair_cadre
from fupin.accounts.models import ApiToken
from fupin.assistance.models import Visit
from fupin.cases import services as case_services
from fupin.cases.models import Case
from fupin.cases.procedures import CaseKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(users, household):
    """A plan built from the test world: the household (in poverty) has an exit case
    waiting for the village's first step and a paired cadre."""
    case_services.case_open(actor=users["village"], household=household, kind=CaseKind.EXIT)
    pair_cadre(household)
    _token, key = ApiToken.issue(users["county"], "load bench")
    roles = {role: users[role] for role in work.ROLES}
    return work.build_plan(roles, api_key=key)


def test_the_plan_finds_the_work_items(plan, household):
    village = plan["roles"]["village"]
    assert village["households"] == [household.pk]
    assert village["visits"] and village["visits"][0][0] == household.pk
    assert [Case.objects.get(pk=pk).household_id for pk in village["cases"]] == [household.pk]
    assert household.number in village["search"]
    assert set(plan["roles"]) == set(work.ROLES)


@pytest.mark.parametrize("role", work.ROLES)
def test_every_page_kind_of_a_role_answers_200(plan, users, client, role):
    client.force_login(users[role])
    rng = random.Random(1)
    kinds = [work.WRITES.get(k, k) for k in work.WORK[role]]
    if "dashboard" in kinds:
        kinds.append("dashboard data")
    assert kinds, role
    for kind in kinds:
        for _ in range(3):  # the builders choose among the plan's items
            url = work.TASKS[kind](plan["roles"][role], rng)
            headers = {"Authorization": f"Bearer {plan['api_key']}"} if kind == "api page" else {}
            if kind == "api page":
                client.logout()  # the API page is read with the token alone
            resp = client.get(url, headers=headers)
            assert resp.status_code == 200, (role, kind, url, resp.status_code)
            if kind == "api page":
                assert "items" in resp.json(), url
                client.force_login(users[role])
    # The API's area filter finds the households of the role's own area.
    own = plan["roles"][role]["api_areas"][0]
    client.logout()
    resp = client.get(
        f"/api/v1/households?limit=50&area={own}",
        headers={"Authorization": f"Bearer {plan['api_key']}"},
    )
    assert resp.json()["items"], own


def test_the_sign_in_and_the_writes_work_as_the_simulated_users_do_them(plan, users):
    village = plan["roles"]["village"]
    client = Client(enforce_csrf_checks=True)
    form = client.get("/login/")
    token = work.CSRF_FIELD.search(form.text)
    assert token, "the sign-in form has no CSRF field the bench can read"
    resp = client.post(
        "/login/",
        {"username": "village", "password": "pw-village", "csrfmiddlewaretoken": token[1]},
    )
    assert resp.status_code == 302

    # A case step: the step code and CSRF token read from the case page, then posted.
    pk = village["cases"][0]
    page = client.get(f"/cases/{pk}/")
    step = work.STEP_FIELD.search(page.text)
    assert step, "the case page has no step field the bench can read"
    resp = client.post(
        f"/cases/{pk}/",
        {
            "csrfmiddlewaretoken": work.CSRF_FIELD.search(page.text)[1],
            "step": step[1],
            "decision": "done",
            "evidence": "load bench",
        },
    )
    assert resp.status_code == 302
    assert Case.objects.get(pk=pk).step_index == 1

    # A visit record through the visit form.
    household, cadre = village["visits"][0]
    url = f"/assistance/households/{household}/visit/"
    page = client.get(url)
    resp = client.post(
        url,
        {
            "csrfmiddlewaretoken": work.CSRF_FIELD.search(page.text)[1],
            "cadre": str(cadre),
            "date": dt.date.today().isoformat(),
            "purpose": village["visit_purpose"],
            "notes": "load bench",
        },
    )
    assert resp.status_code == 302
    assert Visit.objects.filter(household_id=household, notes="load bench").count() == 1
