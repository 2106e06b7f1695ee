"""Reading indicators: the figures of a node and its children, today, as of a date, or
from a locked snapshot. Pages, commands, the dashboards and other apps call `figures`."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from fupin.accounts.models import User
from fupin.core.models import ChangeRecord
from fupin.core.scope import area_prefix_of, code_in_area
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import PREFIX_LENGTH, Division, Level
from fupin.indicators import engine, snapshots
from fupin.indicators import frames as fr
from fupin.indicators.models import ExitCriteriaProposal, ProposalStatus, Snapshot

LENGTHS = [PREFIX_LENGTH[level] for level in Level]


class UnknownArea(Division.DoesNotExist):
    pass


@dataclass
class NodeFigures:
    code: str  # 12-digit division code
    name: str
    level: int
    values: dict[str, float | int | None] = field(default_factory=dict)
    parent: str | None = None  # 12-digit code of the parent in the result (None: the node)

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]


def normalise(code: str) -> str:
    code = (code or "").strip()
    if not code.isdigit() or len(code) > 12:
        raise UnknownArea(code)
    return code.ljust(12, "0")


def level_of(code: str, divisions: pl.DataFrame) -> tuple[str, int]:
    row = divisions.filter(pl.col("code") == code)
    if row.is_empty():
        raise UnknownArea(code)
    return row["name"][0], int(row["level"][0])


def snapshot_frames(snapshot: Snapshot | int | str) -> fr.Frames:
    if not isinstance(snapshot, Snapshot):
        snapshot = Snapshot.objects.get(pk=int(snapshot))
    return snapshots.read(snapshot)


def load_frames(
    area_code: str, *, as_of: dt.date | None = None, snapshot: Snapshot | None = None
) -> tuple[fr.Frames, str, int]:
    """The frames to compute from, and the node's name and level."""
    code = normalise(area_code)
    if snapshot is not None:
        frames = snapshot_frames(snapshot)
        name, level = level_of(code, frames.divisions)
        return frames, name, level
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise UnknownArea(code)
    return _cached_load(division.prefix, as_of), division.name, division.level


_FRAMES: OrderedDict[tuple[Any, ...], fr.Frames] = OrderedDict()  # key: see _cached_load
_FRAMES_LOCK = Lock()
FRAMES_CACHE_SIZE = 4


def _cached_load(prefix: str, as_of: dt.date | None) -> fr.Frames:
    """`frames.load`, remembered per process for the same area, date and registry state.
    Every change writes a change record, so the newest record id (and the day: today's
    figures change at midnight) tells whether the registry is still the same. Pairings,
    visits and measures are recorded too (assistance services)."""
    today = timezone.localdate()
    newest = ChangeRecord.objects.order_by("-id").values_list("id", "time").first()
    key = (connection.alias, prefix, as_of if as_of and as_of < today else None, today, newest)
    with _FRAMES_LOCK:
        if key in _FRAMES:
            _FRAMES.move_to_end(key)
            return _FRAMES[key]
    frames = fr.load(prefix, as_of)
    with _FRAMES_LOCK:
        _FRAMES[key] = frames
        while len(_FRAMES) > FRAMES_CACHE_SIZE:
            _FRAMES.popitem(last=False)
    return frames


def clear_cache() -> None:
    with _FRAMES_LOCK:
        _FRAMES.clear()


def _restrict(frames: fr.Frames, prefix: str) -> fr.Frames:
    """Only the villages under `prefix` (frames may cover a larger area). Village codes
    may be text or an Enum (snapshots): filter by the list of matching codes."""
    if frames.divisions["code"].str.starts_with(prefix).all():
        return frames  # the frames were read for this node or a node below it
    villages = frames.villages["village_code"].cast(pl.String)
    inside = villages.filter(villages.str.starts_with(prefix))
    codes = inside.implode()
    keep = pl.col("village_code").is_in(codes)
    return fr.Frames(
        as_of=frames.as_of,
        period_start=frames.period_start,
        people=frames.people.filter(keep),
        households=frames.households.filter(keep),
        villages=frames.villages.filter(keep),
        divisions=frames.divisions.filter(pl.col("code").str.starts_with(prefix)),
        has_quality=frames.has_quality,
        counties=None
        if frames.counties is None
        else frames.counties.filter(pl.col("county_code").cast(pl.String).str.starts_with(prefix)),
    )


def figures_from(frames: fr.Frames, area_code: str, *, depth: int = 1) -> list[NodeFigures]:
    """The node first, then its descendants down to `depth` levels (depth-first in code
    order), from already loaded frames."""
    code = normalise(area_code)
    _name, level = level_of(code, frames.divisions)
    prefix = code[: PREFIX_LENGTH[level]]
    last = min(level + depth, Level.VILLAGE)
    levels = list(range(level, last + 1))
    lengths = [PREFIX_LENGTH[lv] for lv in levels]
    in_node = frames.divisions.filter(pl.col("code").str.starts_with(prefix))
    sub = _restrict(frames, prefix)
    results = engine.compute(sub, lengths)
    base: dict[str, int | None] = dict.fromkeys(engine.COUNT_CODES, 0)
    base.update(dict.fromkeys(engine.missing_counts(frames)))
    empty = engine.with_rates(base)
    nodes = in_node.filter(pl.col("level").is_in(levels)).sort("code")
    out: list[NodeFigures] = []
    for row in nodes.iter_rows(named=True):
        lv = int(row["level"])
        p = row["code"][: PREFIX_LENGTH[lv]]
        values = results[PREFIX_LENGTH[lv]].get(p, empty)
        parent = None
        if lv > level:
            parent_len = PREFIX_LENGTH[Level(lv - 1)]
            parent = row["code"][:parent_len].ljust(12, "0")
        out.append(NodeFigures(row["code"], row["name"], lv, values, parent))
    out.sort(key=lambda n: (n.code != code, n.code))
    return out


def figures(
    area_code: str,
    *,
    as_of: dt.date | None = None,
    snapshot: Snapshot | None = None,
    depth: int = 1,
) -> list[NodeFigures]:
    """Every figure of the node `area_code` (12 digits or its significant prefix) and of
    its children down to `depth` levels: the node first. Today's figures by default;
    as of a past date (read from history); or from a locked snapshot (id or Snapshot),
    in which case `as_of` is the snapshot's. Not scoped: callers check the user's area
    (`figures_for`)."""
    frames, _name, _level = load_frames(area_code, as_of=as_of, snapshot=snapshot)
    return figures_from(frames, area_code, depth=depth)


def figures_for(
    *,
    user: User,
    area_code: str,
    as_of: dt.date | None = None,
    snapshot: Snapshot | None = None,
    depth: int = 1,
) -> list[NodeFigures]:
    """`figures`, scoped: outside the user's area (or a snapshot of another area)
    is a 404, and so is a code that is not a division code at all."""
    try:
        code = normalise(area_code)
    except UnknownArea as e:
        raise Http404 from e
    prefix = area_prefix_of(user)
    if prefix is None or not code_in_area(code, prefix):
        raise Http404
    if snapshot is not None:
        snapshot = (
            snapshot_get(user=user, pk=snapshot) if not isinstance(snapshot, Snapshot) else snapshot
        )
    try:
        return figures(code, as_of=as_of, snapshot=snapshot, depth=depth)
    except UnknownArea as e:
        raise Http404 from e


def snapshot_list(*, user: User) -> QuerySet[Snapshot]:
    """Snapshots the user may read: those whose area contains or lies in the user's
    area (figures are then restricted to the user's part)."""
    prefix = area_prefix_of(user)
    if prefix is None:
        return Snapshot.objects.none()
    inside = Snapshot.objects.in_area(prefix)
    ancestors = ancestor_codes(prefix, include_self=False)
    return (inside | Snapshot.objects.filter(area_id__in=ancestors)).select_related("area")


def snapshot_get(*, user: User, pk: int) -> Snapshot:
    try:
        return snapshot_list(user=user).get(pk=int(pk))
    except (Snapshot.DoesNotExist, ValueError, TypeError) as e:
        raise Http404 from e


def pending_proposal(region_code: str) -> ExitCriteriaProposal | None:
    """The change of the region's exit criteria that waits for approval, if any."""

    return (
        ExitCriteriaProposal.objects.filter(region_id=region_code, status=ProposalStatus.PENDING)
        .select_related("region")
        .first()
    )


def proposals(region_code: str) -> QuerySet[ExitCriteriaProposal]:
    return ExitCriteriaProposal.objects.filter(region_id=region_code).order_by(
        "-proposed_at", "-id"
    )
