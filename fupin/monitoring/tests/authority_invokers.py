"""The decisions of the authority table that the monitoring services enforce, each as an
invoker for the table walk (fupin.accounts.authority): `fn(actor, users)` makes a fresh
household in conftest.VILLAGE with what the decision needs (a monitoring object walked
through its case by the users of `users`, or a warning recorded by the village user),
then calls the real service as `actor` (a user who is none of `users`) and lets
NotAllowed / OutsideArea propagate. The households earn enough and meet the guarantees,
so that ending the monitoring and eliminating a risk pass their own checks; the one whose
grade is adjusted earns too little, so that the village's round grades it red.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

from conftest import VILLAGE
from fupin.cases.tests.helpers import TODAY, make_household, walk_to_end
from fupin.monitoring import grading, services
from fupin.monitoring.models import Channel, MonitoringObject, RiskLevel, RiskType, RiskWarning
from fupin.registry.choices import HouseholdStatus, MonitoringType

# ID numbers of the households made here (seq 900-999): unique within a test, clear of
# the seqs the other tests use.
_SEQ = itertools.count()


def next_seq() -> int:
    """The next seq of the 900-999 range (this process's counter, so two callers in one
    test never take the same one)."""
    return 900 + next(_SEQ) % 100


def _household(users):
    seq = next_seq()
    return make_household(
        users, f"户主{seq}", f"{seq:03d}", wages="9000", status=HouseholdStatus.EXITED
    )


def _monitored(users, level=RiskLevel.GENERAL) -> MonitoringObject:
    obj = services.monitoring_open(
        actor=users["village"],
        household=_household(users),
        monitoring_type=MonitoringType.UNSTABLE_EXITED,
        risk_level=level,
        risk_types=[RiskType.ILLNESS],
        reason="排查发现",
        today=TODAY,
    )
    walk_to_end(users, obj.case)
    obj.refresh_from_db()
    return obj


def _warning(users) -> RiskWarning:
    return services.warning_create(
        actor=users["village"],
        household=_household(users),
        channel=Channel.VISIT,
        cause=RiskType.ILLNESS,
        evidence="住院花费大",
        proposed_level=RiskLevel.GENERAL,
    )


def raise_level(actor, users) -> None:
    obj = _monitored(users, RiskLevel.GENERAL)
    services.risk_level_set(actor=actor, obj=obj, level=RiskLevel.SERIOUS, reason="病情加重")


def lower_level(actor, users) -> None:
    obj = _monitored(users, RiskLevel.SERIOUS)
    services.risk_level_set(actor=actor, obj=obj, level=RiskLevel.LOW, reason="已报销")


def escalate(actor, users) -> None:
    services.warning_escalate(actor=actor, warning=_warning(users), reason="逾期未处置")


def eliminate(actor, users) -> None:
    services.warning_eliminate(actor=actor, warning=_warning(users), note="收入稳定")


def end(actor, users) -> None:
    services.monitoring_end(actor=actor, obj=_monitored(users), reason="风险消除")


def adjust_grade(actor, users) -> None:
    """A round of the conftest village in which a fresh poor-again household is red."""
    seq = next_seq()
    household = make_household(
        users, f"户主{seq}", f"{seq:03d}", wages="100", status=HouseholdStatus.EXITED
    )
    result = grading.grade_round(area=VILLAGE, name=f"round {seq}", as_of=dt.date(2016, 12, 31))
    assert result.round is not None
    grade = result.round.grades.get(household=household)
    grading.grade_adjust(actor=actor, grade=grade, colour="blue", reason="已就业，收入稳定")


INVOKERS: dict[str, Callable] = {
    "risk.raise": raise_level,
    "risk.lower": lower_level,
    "warning.escalate": escalate,
    "warning.eliminate": eliminate,
    "monitoring.end": end,
    "grade.adjust": adjust_grade,
}
