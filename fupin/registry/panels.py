"""Whether a household has any rows of a kind, read with the household on its page (one
query for all the panels), so that a panel with nothing to show skips its own queries.

The apps above the registry register their kinds in AppConfig.ready() (the registry never
imports them; see .importlinter): `register(name, Model)` for a model with a `household`
foreign key. The household page reads `flags()` as annotations of its household
(registry.selectors.household_get); a panel asks `may_have(household, name)`, which is
False only when the flag was read and says there is none. A flag ignores the user's
scope: it only tells a panel that its scoped read would find nothing.
"""

from __future__ import annotations

from django.db.models import Exists, Model, OuterRef

_kinds: dict[str, type[Model]] = {}

# The registry's own panels
MEMBER_CHANGES = "panel_member_changes"
ATTACHMENTS = "panel_attachments"


def register(name: str, model: type[Model]) -> None:
    """`name` becomes an attribute of the household on its page: whether any `model` row
    has it as its household."""
    _kinds[name] = model
    _flags.clear()


# The expressions, built once (about 1 ms a page otherwise): annotate() resolves a copy
# of each (Subquery.copy clones its query), so the ones kept here are never changed.
_flags: dict[str, Exists] = {}


def flags() -> dict[str, Exists]:
    if len(_flags) != len(_kinds):
        _flags.clear()
        _flags.update(
            (name, Exists(model._default_manager.filter(household_id=OuterRef("pk"))))
            for name, model in _kinds.items()
        )
    return dict(_flags)


def may_have(household: object, name: str) -> bool:
    """Whether a panel must read its rows of the household: not when the page read the
    flag `name` and it says there are none (read without the flag: always)."""
    return getattr(household, name, True) is not False
