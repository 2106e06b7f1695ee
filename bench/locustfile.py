"""The load bench's simulated users (locust), driven by bench/load.py.

Each simulated user signs in once at its start (timed as the page kind "login"), then
works as village staff, a township station or the county office would (bench/loadwork.py
names the page kinds, their URLs and each role's mix): household search and household
page, list filters, a case step (a write through the case page), a visit record (a write
through the visit form), the dashboard and an API page. The work items come from the plan
file bench/load.py writes from the database before the run (env FUPIN_LOAD_PLAN).

Every request carries its page kind as locust's `name`, so the statistics (and the CSV
bench/load.py reads) are per page kind. Every request is also kept (start time, kind,
milliseconds, failed or not) and written when locust quits to the file named by
FUPIN_LOAD_REQUESTS: bench/load.py cuts the sign-in ramp off with it and reports the
steady state apart.

With FUPIN_LOAD_CEILING=1 the same users sign in the same way and wait the same think
time, but every request is the health check (`/healthz`, which reads the session and
the user and asks the database `SELECT 1`): the cheapest signed-in request the stack can
serve, the ceiling the real pages are measured against.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
from typing import Any

import loadwork as w  # bench/ is on locust's path (the locustfile's directory)
from locust import FastHttpUser, between, events, task

_plan: dict[str, Any] | None = None
_next_case = itertools.count()
_records: list[tuple[float, str, str, float, bool]] = []
CEILING = os.environ.get("FUPIN_LOAD_CEILING") == "1"


@events.request.add_listener
def _record(
    request_type: str,
    name: str,
    response_time: float,
    exception: BaseException | None = None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    _records.append((start_time or 0.0, request_type, name, response_time, exception is not None))


@events.quitting.add_listener
def _write_records(**_: Any) -> None:
    target = os.environ.get("FUPIN_LOAD_REQUESTS")
    if target:
        with open(target, "w", encoding="utf-8") as fh:
            json.dump(_records, fh)


def plan() -> dict[str, Any]:
    global _plan
    if _plan is None:
        with open(os.environ["FUPIN_LOAD_PLAN"], encoding="utf-8") as fh:
            _plan = json.load(fh)
    return _plan


class Worker(FastHttpUser):
    """One signed-in user of a role; the subclasses name the role and its share."""

    abstract = True
    role = ""
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.plan = plan()["roles"][self.role]
        self.api_key = plan()["api_key"]
        self.rng = random.Random()
        self.kinds = list(w.WORK[self.role])
        self.weights = [w.WORK[self.role][k] for k in self.kinds]
        self.login()

    @staticmethod
    def csrf(html: str | None) -> str:
        found = w.CSRF_FIELD.search(html or "")
        return found.group(1) if found else ""

    def post(self, url: str, data: dict[str, str], name: str, ok: tuple[int, ...]) -> None:
        with self.client.post(
            url,
            data=data,
            headers={"Referer": self.host + url},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as resp:
            if resp.status_code in ok:
                resp.success()
            else:
                resp.failure(f"{name} answered {resp.status_code}")

    def login(self) -> None:
        form = self.client.get("/login/", name="login form")
        self.post(
            "/login/",
            {
                "username": self.plan["username"],
                "password": w.PASSWORD,
                "csrfmiddlewaretoken": self.csrf(form.text),
            },
            "login",
            (302,),
        )

    @task
    def work(self) -> None:
        if CEILING:
            self.client.get("/healthz", name="ceiling")
            return
        kind = self.rng.choices(self.kinds, self.weights)[0]
        if kind == "case step":
            self.case_step()
        elif kind == "visit record":
            self.visit_record()
        elif kind == "api page":
            self.client.get(
                w.api_page(self.plan, self.rng),
                name=kind,
                headers={"Authorization": f"Bearer {self.api_key}"},
            )
        elif kind == "dashboard":
            self.client.get(w.dashboard(self.plan, self.rng), name=kind)
            for part in ("map.json", "trends.json"):  # what the page's charts fetch
                self.client.get(f"/dashboard/{self.plan['area']}/{part}", name="dashboard data")
        else:
            self.client.get(w.TASKS[kind](self.plan, self.rng), name=kind)

    def case_step(self) -> None:
        """Do the current step of a case waiting for the village: its page, then the step."""
        cases = self.plan["cases"]
        if not cases:
            return
        pk = cases[next(_next_case) % len(cases)]
        page = self.client.get(f"/cases/{pk}/", name="case page")
        step = w.STEP_FIELD.search(page.text or "")
        if step is None:  # done with the village's steps, or waiting for another role
            return
        # 302: recorded. 409/422: another simulated user took this step first (the page
        # says so): an answer of the app, not a server error.
        self.post(
            f"/cases/{pk}/",
            {
                "csrfmiddlewaretoken": self.csrf(page.text),
                "step": step.group(1),
                "decision": "done",
                "evidence": "load bench",
            },
            "case step",
            (302, 409, 422),
        )

    def visit_record(self) -> None:
        if not self.plan["visits"]:
            return
        household, cadre = self.rng.choice(self.plan["visits"])
        url = f"/assistance/households/{household}/visit/"
        page = self.client.get(url, name="visit form")
        self.post(
            url,
            {
                "csrfmiddlewaretoken": self.csrf(page.text),
                "cadre": str(cadre),
                "date": dt.date.today().isoformat(),
                "purpose": self.plan["visit_purpose"],
                "notes": "load bench",
            },
            "visit record",
            (302,),
        )


class VillageStaff(Worker):
    role = "village"
    weight = w.ROLE_WEIGHTS["village"]


class TownshipStation(Worker):
    role = "township"
    weight = w.ROLE_WEIGHTS["township"]


class CountyOffice(Worker):
    role = "county"
    weight = w.ROLE_WEIGHTS["county"]
