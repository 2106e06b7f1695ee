"""What apps above the registry keep in step with its households, registered in their
AppConfig.ready() (the registry never imports them; see .importlinter)."""

from __future__ import annotations

from collections.abc import Callable

# Called with the ids of households whose village changed, inside the transaction that
# changed them (a page's edit, an import), after the households are saved.
HouseholdsMoved = Callable[[list[int]], None]

_households_moved: list[HouseholdsMoved] = []


def register_households_moved(follow: HouseholdsMoved) -> None:
    """`follow(ids)` is called whenever households move to another village."""
    if follow not in _households_moved:
        _households_moved.append(follow)


def households_moved(ids: list[int]) -> None:
    """Tell the registered apps that these households are in another village now."""
    if ids:
        for follow in _households_moved:
            follow(ids)
