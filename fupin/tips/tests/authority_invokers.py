"""The decisions of the authority table that the tips services enforce, each as an invoker
for the table walk (fupin.accounts.authority): `fn(actor, users)` prepares a fresh tip
about conftest.VILLAGE (routed to its township), then calls the real service — or, for
"tip.read", the selector — as `actor` and lets NotAllowed / OutsideArea propagate.

"tip.verify" tests the table's role grant, not its condition (the assigned verifier): the
tip is assigned to the actor by a direct update before the actor concludes it.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import VILLAGE
from fupin.accounts.roles import Role
from fupin.tips import selectors, services
from fupin.tips.models import Channel, Status, SubjectKind, Tip


def _tip(users) -> Tip:
    tip, _code = services.tip_record(
        actor=users["county"],
        channel=Channel.HOTLINE,
        subject_kind=SubjectKind.CADRE,
        area_code=VILLAGE,
        subject="村支书",
        content="优亲厚友",
        reporter_name="举报人",
    )
    return tip


def record(actor, users) -> None:
    services.tip_record(
        actor=actor,
        channel=Channel.VISIT,
        subject_kind=SubjectKind.OTHER,
        area_code=VILLAGE,
        content="来访反映",
    )


def read(actor, users) -> None:
    selectors.tip_read(user=actor, pk=_tip(users).pk)


def assign(actor, users) -> None:
    tip = _tip(users)
    office = (Role.TOWNSHIP_STATION, Role.COUNTY_OFFICE)
    verifier = actor if actor.role in office else users["township"]
    services.tip_assign(actor=actor, tip=tip, verifier=verifier)


def verify(actor, users) -> None:
    tip = _tip(users)
    Tip.objects.filter(pk=tip.pk).update(verifier=actor, status=Status.ASSIGNED)
    tip.refresh_from_db()
    services.tip_conclude(actor=actor, tip=tip, outcome="partly", findings="部分属实")


def reply(actor, users) -> None:
    tip = _tip(users)
    Tip.objects.filter(pk=tip.pk).update(
        verifier=users["township"], status=Status.CONCLUDED, outcome="partly", findings="x"
    )
    tip.refresh_from_db()
    services.tip_reply(actor=actor, tip=tip, reply="已核实")


INVOKERS: dict[str, Callable] = {
    "tip.record": record,
    "tip.read": read,
    "tip.assign": assign,
    "tip.verify": verify,
    "tip.reply": reply,
}
