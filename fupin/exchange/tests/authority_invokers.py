"""For the authority table walk: an initial load (`registry.initial_load`) of a one-household
workbook into the conftest county, which has no households yet, as `actor`. The import
answers with a refused run rather than an exception; a refusal is turned into the
`NotAllowed` the walk expects, anything else must have written the household."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from fupin.core.errors import NotAllowed
from fupin.exchange.importer import import_registry
from fupin.exchange.models import ExchangeRun
from fupin.exchange.tests.conftest import good_household, write_book


def _initial_load(actor, users) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_book(
            Path(tmp) / "national.csv",
            households=[good_household(status="已脱贫", status_year="2019", household_size="")],
        )
        result = import_registry(actor=actor, path=path, initial_load=True)
    if result.run.status == ExchangeRun.Status.REFUSED:
        raise NotAllowed(result.run.message)
    assert result.run.status == ExchangeRun.Status.DONE, result.errors
    assert result.counts["households"].created == 1


INVOKERS: dict[str, Callable] = {"registry.initial_load": _initial_load}
