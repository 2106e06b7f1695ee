"""What apps above the registry add to its pages, registered in their AppConfig.ready()
(the registry never imports them; see .importlinter)."""

from __future__ import annotations

from collections.abc import Callable

from fupin.geo.models import Division
from fupin.registry.models import Household

# (label, URL) links to the procedures that may change a household's status now.
ProcedureLinks = Callable[[Household], list[tuple[str, str]]]

_procedure_links: list[ProcedureLinks] = []


def register_procedure_links(links: ProcedureLinks) -> None:
    """`links(household)` adds to the household edit page's list of procedures."""
    if links not in _procedure_links:
        _procedure_links.append(links)


def procedure_links(household: Household) -> list[tuple[str, str]]:
    return [link for links in _procedure_links for link in links(household)]


# (label, URL) links to the procedures of a division (a poor village's or county's exit case).
DivisionLinks = Callable[[Division], list[tuple[str, str]]]

_division_links: list[DivisionLinks] = []


def register_division_links(links: DivisionLinks) -> None:
    """`links(division)` adds to the division page's list of procedures."""
    if links not in _division_links:
        _division_links.append(links)


def division_links(division: Division) -> list[tuple[str, str]]:
    return [link for links in _division_links for link in links(division)]
