"""The decisions of the authority table that the comparison services enforce, each as an
invoker for the table walk (fupin.accounts.authority): `fn(actor, users)` makes a fresh
finding in conftest.VILLAGE (a public-employee list run by the county user that names the
head of a new household), ready for the decision, then calls `finding_set_status` as
`actor` (a user who is none of `users`) and lets NotAllowed / OutsideArea propagate.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path

from conftest import HOUSEHOLD_DATA, VILLAGE, make_id, member_data, registered_household
from fupin.compare import services
from fupin.compare.models import DatasetKind, Finding, FindingStatus
from fupin.registry import services as registry

# ID numbers of the households made here (seq 700-799): unique within a test, clear of
# the fixtures'.
_SEQ = itertools.count()


def _finding(users) -> Finding:
    seq = f"{700 + next(_SEQ) % 100:03d}"
    head = make_id(birth="19700101", seq=seq)
    h = registered_household(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA), reason="登记"
    )
    registry.member_add(
        actor=users["village"],
        household=h,
        data=member_data(id_number=head, name=f"户主{seq}"),
        date=dt.date(2016, 3, 1),
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "employees.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["身份证号", "单位", "职务"])
            w.writerow([head, "县教育局", "教师"])
        services.run_comparison(
            actor=users["county"], kind=DatasetKind.PUBLIC_EMPLOYEES, path=path, area_code=VILLAGE
        )
    return Finding.objects.get(household=h)


def confirm(actor, users) -> None:
    services.finding_set_status(actor=actor, finding=_finding(users), status="confirmed")


def dismiss(actor, users) -> None:
    services.finding_set_status(
        actor=actor, finding=_finding(users), status="dismissed", reason="同名不同人"
    )


def reopen(actor, users) -> None:
    finding = services.finding_set_status(
        actor=users["village"], finding=_finding(users), status=FindingStatus.CONFIRMED
    )
    services.finding_set_status(actor=actor, finding=finding, status="open", reason="重新核查")


INVOKERS: dict[str, Callable] = {
    "finding.confirm": confirm,
    "finding.dismiss": dismiss,
    "finding.reopen": reopen,
}
