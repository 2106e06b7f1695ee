"""What an app above geo tells it about the divisions, registered in its AppConfig.ready()
(geo never imports it; see .importlinter)."""

from __future__ import annotations

from collections.abc import Callable

# The exit case that owns an area's poor status (a village's poor-village status, a
# county's poor-county status), in words ("village exit case #12"), or None when it has
# none: the profile edits refuse to change that status while one exists.
ExitOwner = Callable[[str], str | None]

_exit_owner: list[ExitOwner] = []


def register_exit_owner(owner: ExitOwner) -> None:
    """`owner(code)` names the exit case of the village or county `code`, if any."""
    if owner not in _exit_owner:
        _exit_owner.append(owner)


def exit_owner(code: str) -> str | None:
    for owner in _exit_owner:
        found = owner(code)
        if found:
            return found
    return None
