"""Every service that writes a model with history leaves a change record for each object
it writes.

The walk calls every service the authority table walk calls (its `INVOKERS`, with an actor
the table permits) and the writing services outside the table (`history_invokers`), each
in a savepoint that is rolled back, and fails on any object of a model with history that
production code wrote without a ChangeRecord (`history_walk.watching`). It also fails when
a public function of a `services.py` that writes (read from the code) is walked by
neither list and not exempt. The checker itself is shown to catch a forgotten record on
deliberately broken services.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.tests.test_authority_table import ACTORS, invokers
from fupin.core.tests import history_invokers
from fupin.core.tests.history_walk import (
    FUPIN,
    NO_HISTORY,
    UNRECORDED,
    fupin_models,
    service_writers,
    watching,
)

# Public services that write but are walked by neither list, each with its reason.
EXEMPT: dict[str, str] = {}


class _Rollback(Exception):
    pass


def _run(invoke, *args):
    """Call in a savepoint rolled back afterwards: the unrecorded writes and the services
    on the writes' stacks."""
    out = {}
    try:
        with transaction.atomic(), watching() as watch:
            invoke(*args)
            out["missing"] = watch.unrecorded()
            out["twice"] = watch.recorded_twice()
            out["services"] = watch.services
            raise _Rollback
    except _Rollback:
        pass
    return out["missing"], out["services"], out["twice"]


def _permitted_actor(code: str, actors: list[User]) -> User:
    for actor in actors:
        if authority._granted(actor, authority.AUTHORITY[code]):
            return actor
    raise AssertionError(f"no actor may {code}")


def test_every_service_write_leaves_a_change_record(users):
    actors = [
        User.objects.create_user(
            username=f"walker-{role}-{area}",
            password="x",
            role=role,
            area_id=area,
            is_superuser=area is None,
            unit="民政局" if role == "department" else "",
        )
        for role, area in ACTORS
    ]
    problems, walked = [], set()
    steps = [
        (code, fn, (_permitted_actor(code, actors), users))
        for code, fn in sorted(invokers().items())
    ]
    steps += [(name, fn, (users,)) for name, fn in sorted(history_invokers.INVOKERS.items())]
    for name, fn, args in steps:
        try:
            missing, services, twice = _run(fn, *args)
        except Exception as exc:  # every invoker is reported, not only the first
            problems.append(
                f"{name}: raised {type(exc).__name__}: {exc} {getattr(exc, 'errors', '')}"
            )
            continue
        walked |= services
        problems += [
            f"{name}: {w.where} wrote {w.label} {w.pk} ({w.how}) unrecorded" for w in missing
        ]
        problems += [f"{name}: {what} (one write recorded twice?)" for what in twice]
    assert not problems, "\n".join(problems)
    unwalked = service_writers() - walked - set(EXEMPT)
    assert not unwalked, f"writing services walked by no invoker: {sorted(unwalked)}"


def test_exemptions_name_real_services_and_models():
    writers = service_writers()
    assert set(EXEMPT) <= writers, set(EXEMPT) - writers
    assert set(NO_HISTORY) <= set(fupin_models()), set(NO_HISTORY) - set(fupin_models())
    assert {label for _where, label in UNRECORDED} <= set(fupin_models())
    reasons = [*EXEMPT.values(), *NO_HISTORY.values(), *UNRECORDED.values()]
    assert all(reason.strip() for reason in reasons)


# ------------------------------------------------------------------ the checker is honest

# Fake services, compiled as if they were production code (a file under fupin/ that is
# not a test), so that the checker treats their writes as it treats a real service's.
FAKE = """
from fupin.core.history import recording, created
from fupin.registry.models import Household, MemberChange


def forgets_save(actor, h):
    h.address = "forgotten"
    h.save()


def records_save(actor, h):
    with recording(actor, h, reason="kept"):
        h.address = "recorded"
        h.save()


def forgets_queryset_update(actor, h):
    Household.objects.filter(pk=h.pk).update(address="forgotten")


def forgets_delete(actor, h):
    change = MemberChange.objects.create(
        household=h, member=h.members.first(), kind="birth", date=h.created_at.date()
    )
    created(actor, change, area_code=h.village_id)
    change.delete()


def forgets_bulk_update(actor, h):
    h.address = "bulk"
    Household.objects.bulk_update([h], ["address"])


def records_twice(actor, h):
    change = MemberChange.objects.create(
        household=h, member=h.members.first(), kind="birth", date=h.created_at.date()
    )
    created(actor, change, area_code=h.village_id)
    created(actor, change, area_code=h.village_id)


def records_the_wrong_object(actor, h):
    other = Household.objects.exclude(pk=h.pk).first()
    h.address = "mine"
    h.save()
    with recording(actor, other, reason="not the one written"):
        other.address = "theirs"
        other.save(update_fields=["address"])
    Household.objects.filter(pk=h.pk).exists()
"""


@pytest.fixture
def fake():
    namespace: dict = {"__name__": "fupin.registry.fake_services"}
    exec(compile(FAKE, FUPIN + "registry/fake_services.py", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("forgets_save", "registry.household"),
        ("forgets_queryset_update", "registry.household"),
        ("forgets_delete", "registry.memberchange"),
        ("forgets_bulk_update", "registry.household"),
        ("records_the_wrong_object", "registry.household"),
    ],
)
def test_the_checker_catches_a_forgotten_record(
    fake, name, label, household, neighbour_household, users
):
    missing, _services, _twice = _run(fake[name], users["county"], household)
    assert [(w.label, w.where) for w in missing] == [
        (label, f"fupin.registry.fake_services.{name}")
    ]


def test_the_checker_passes_a_recorded_write_and_ignores_test_setup(fake, household, users):
    assert _run(fake["records_save"], users["county"], household)[0] == []

    def setup_in_a_test(actor, h):  # written by a test, not by production code
        h.address = "setup"
        h.save()

    assert _run(setup_in_a_test, users["county"], household)[0] == []


def test_the_checker_catches_a_write_recorded_twice(fake, household, users):
    missing, _services, twice = _run(fake["records_twice"], users["county"], household)
    assert missing == []
    assert len(twice) == 1 and "registry.memberchange" in twice[0] and "2 times" in twice[0]
    assert _run(fake["records_save"], users["county"], household)[2] == []


def test_the_checker_names_the_services_on_the_stack(household, users):
    from fupin.registry import services

    def call(actor, h):
        services.household_update(actor=actor, household=h, data={"address": "x"}, reason="r")

    missing, walked, twice = _run(call, users["village"], household)
    assert missing == [] and twice == []
    assert "fupin.registry.services.household_update" in walked


def test_the_code_reading_finds_services_that_write_and_not_those_that_read():
    writers = service_writers()
    assert "fupin.registry.services.household_update" in writers
    assert "fupin.projects.services.transition" in writers  # through private helpers
    assert "fupin.registry.services.validate_household" not in writers
    assert "fupin.projects.services.available_actions" not in writers
