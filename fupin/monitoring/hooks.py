"""Signals from the apps above monitoring that grading rounds read (`fupin monitoring
grade`), registered in their AppConfig.ready() (monitoring never imports them; see
.importlinter).

A signal is a named fact about a household on a date that a programme ledger knows and
monitoring does not: "overdue loan" (microcredit), "lost public-welfare post", "serious
illness". The grading rules name signals by `name` (see `grading.DEFAULT_RULES`); a rule
naming a signal no app registered never fires, and the round says so in its rules copy.

    from fupin.monitoring.hooks import register_grade_signal

    register_grade_signal("overdue_loan", _("Overdue loan"), overdue_households)

`fn(household_ids, as_of)` gets the ids of the households being graded (a county's:
tens of thousands; a set-based read is expected, e.g. one query with `id IN` over a
temporary table or over the area's rows) and returns the set of those ids that have the
signal on `as_of`. It runs inside the round's transaction and must not write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

SignalFn = Callable[[Collection[int], dt.date], set[int]]


@dataclass(frozen=True)
class GradeSignal:
    name: str
    label: Any  # a lazy translation string, shown in reasons
    fn: SignalFn


_signals: dict[str, GradeSignal] = {}


def register_grade_signal(name: str, label: Any, fn: SignalFn) -> None:
    """Offer the signal `name` to the grading rules. Registering a name again replaces
    the earlier function (a test may register its own)."""
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"a grade signal's name is a word of letters, digits and _: {name!r}")
    _signals[name] = GradeSignal(name, label, fn)


def unregister_grade_signal(name: str) -> None:
    """Withdraw a signal (tests)."""
    _signals.pop(name, None)


def grade_signals() -> dict[str, GradeSignal]:
    """The registered signals by name."""
    return dict(_signals)
