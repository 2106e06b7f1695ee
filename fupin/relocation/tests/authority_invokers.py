"""The decision of the authority table that the relocation services enforce, as an
invoker for the table walk: `fn(actor, users)` has the conftest village user register a
site, relocate a fresh household to it and record its old house demolished, then calls
the real verification as `actor`. `history(users)` walks every writing service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from itertools import count

from conftest import HOUSEHOLD_DATA, VILLAGE, registered_household
from fupin.relocation import services

_sites = count(1)
HANDED, MOVED, DEMOLISHED = dt.date(2018, 5, 1), dt.date(2018, 6, 1), dt.date(2019, 3, 1)


def site(users, **over):
    data = {
        "name": f"安置点{next(_sites)}",
        "kind": "centralised",
        "village_id": VILLAGE,
        "homes": 10,
        "capacity": 40,
        "completed_on": dt.date(2018, 3, 31),
        **over,
    }
    return services.site_create(actor=users["village"], data=data)


def relocated(users, *, moved=True):
    h = registered_household(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
    )
    return services.relocation_record(
        actor=users["village"],
        household=h,
        site=site(users),
        data={
            "people": 3,
            "home": "1栋1单元101",
            "home_area": Decimal("75"),
            "handed_over_on": HANDED,
            "moved_in_on": MOVED if moved else None,
        },
        today=dt.date(2024, 1, 1),
    )


def demolished(users):
    return services.old_house_record(
        actor=users["village"], relocation=relocated(users), demolished_on=DEMOLISHED
    )


def verify(actor, users) -> None:
    services.demolition_verify(actor=actor, relocation=demolished(users))


INVOKERS: dict[str, Callable] = {"relocation.verify_demolition": verify}


def history(users) -> None:
    """For the history walk: every writing service of relocation in turn."""
    village = users["village"]
    r = relocated(users, moved=False)
    r = services.relocation_progress(actor=village, relocation=r, moved_in_on=MOVED)
    r = services.old_house_record(actor=village, relocation=r, demolished_on=DEMOLISHED)
    services.demolition_verify(actor=users["township"], relocation=r)
    services.support_add(
        actor=village,
        relocation=r,
        kind="community",
        on=dt.date(2018, 6, 20),
        description="户籍转接",
    )
