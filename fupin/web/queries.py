"""Reads the pages of several apps share: the user's area and the divisions to filter by."""

from __future__ import annotations

from fupin.core.scope import area_prefix_of
from fupin.geo.models import Division, Level


def user_area_node(user) -> Division | None:
    return user.area if user.area_id else None


def area_choices(user) -> list[tuple[str, str]]:
    """Divisions to filter by: the next two levels below the user's area."""
    if user.area_id:
        base = user.area.level
        qs = Division.objects.restrict(user)
    elif area_prefix_of(user) == "":
        base = 0
        qs = Division.objects.all()
    else:
        return []
    levels = [lv for lv in (base + 1, base + 2) if lv <= Level.VILLAGE]
    if base == 0:
        levels = [Level.PROVINCE, Level.PREFECTURE]
    # Plain rows rather than model instances: a county lists 335 divisions per page.
    rows = qs.filter(level__in=levels).order_by("code").values_list("code", "name", "level")
    out = []
    for code, name, level in rows:
        indent = "\u3000" if level == levels[-1] and len(levels) > 1 else ""
        out.append((code, f"{indent}{name}"))
    return out


def village_choices(user) -> list[tuple[str, str]]:
    """The villages of the user's area as (code, "township village") choices."""
    rows = (
        Division.objects.restrict(user)
        .filter(level=Level.VILLAGE)
        .select_related("parent")
        .order_by("code")
    )
    return [(d.code, f"{d.parent.name if d.parent else ''} {d.name}") for d in rows]


def area_and_below(user) -> list[tuple[str, str]]:
    """The user's own area and the divisions `area_choices` offers below it: where a
    register's row (a course, an enterprise) may be placed."""
    own = [(user.area_id, user.area.name)] if user.area_id else []
    return own + area_choices(user)
