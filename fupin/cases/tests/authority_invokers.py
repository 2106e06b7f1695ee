"""The decisions of the authority table that the case services enforce, each as an
invoker for the table walk (fupin.accounts.authority): `fn(actor, users)` sets up a fresh
object in conftest.VILLAGE, ready for the decision and authored by users of `users`, then
calls the real service as `actor` (a user who is none of `users`) and lets NotAllowed /
OutsideArea propagate.

"case.withdraw" tests the table's role grant, not its condition: a village actor withdraws
a fresh case it opened itself (the condition holds), the others a fresh case opened by
the village user on which no one has acted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from conftest import VILLAGE
from fupin.accounts.roles import Role
from fupin.cases import services
from fupin.cases.area import services as area_services
from fupin.cases.models import AreaCase
from fupin.cases.procedures import AreaKind, CaseKind
from fupin.cases.tests.helpers import TODAY, do, make_household, post_notice
from fupin.geo.models import VillageProfile

# ID numbers of the households made here (seq 700-799): unique within a test, clear of
# the seqs the other tests use.
_SEQ = itertools.count()


def _household(users, status="poor"):
    seq = 700 + next(_SEQ) % 100
    return make_household(users, f"户主{seq}", f"{seq:03d}", wages="3600", status=status)


def withdraw(actor, users) -> None:
    h = _household(users)
    opener = actor if actor.role == Role.VILLAGE_STAFF else users["village"]
    case = services.case_open(actor=opener, household=h, kind=CaseKind.EXIT, today=TODAY)
    services.case_close(actor=actor, case=case, reason="误开")


def resolve_objection(actor, users) -> None:
    h = _household(users)
    case = services.case_open(actor=users["village"], household=h, kind=CaseKind.EXIT, today=TODAY)
    while not case.current_step.notice:
        case = do(users, case)
    notice = post_notice(users, [case])
    objection = services.objection_add(
        actor=users["village"],
        notice=notice,
        cases=[case],
        text="收入不实",
        received_on=notice.posted_on,
    )
    services.objection_resolve(actor=actor, objection=objection, upheld=False, resolution="不属实")


def _poor_village() -> None:
    VillageProfile.objects.update_or_create(
        village_id=VILLAGE, defaults={"is_poor_village": True, "exit_year": None}
    )


def withdraw_area_case(actor, users) -> None:
    _poor_village()
    AreaCase.objects.filter(area_id=VILLAGE).delete()
    case = area_services.area_case_open(
        actor=users["village"], area_code=VILLAGE, kind=AreaKind.VILLAGE_EXIT, today=TODAY
    )
    area_services.area_case_close(actor=actor, case=case, reason="误开")


def designate_poor_county(actor, users) -> None:
    area_services.county_profile_designate(
        actor=actor, county_code="431129000000", poor_county="key", reason="名单"
    )


INVOKERS: dict[str, Callable] = {
    "case.withdraw": withdraw,
    "objection.resolve": resolve_objection,
    "area_case.withdraw": withdraw_area_case,
    "poor_county.designate": designate_poor_county,
}
