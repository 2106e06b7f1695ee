"""GET /indicators/{code}: every indicator of an area and its children, today, as of a
past date (read from history) or from a locked snapshot — the same figures, definitions
and JSON as `fupin indicators --format json`."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from fupin.api.auth import current_user
from fupin.api.schemas import MAX_ID
from fupin.core.errors import ValidationFailed
from fupin.indicators import reports
from fupin.indicators.selectors import figures_for, snapshot_get

router = Router(tags=["indicators"])


class IndicatorQuery(Schema):
    as_of: dt.date | None = Field(None, description="a past date: figures read from history")
    snapshot: int | None = Field(
        None, ge=1, le=MAX_ID, description="a locked snapshot's id (数据锁定)"
    )
    depth: int = Field(1, ge=0, le=2, description="levels of children: 0, 1 or 2")


class DefinitionOut(Schema):
    label: str
    definition: str
    unit: str
    kind: str


class NodeOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None
    values: dict[str, float | int | None]


class IndicatorsOut(Schema):
    area: str
    area_name: str
    as_of: dt.date
    period_start: dt.date
    snapshot: int | None
    snapshot_sha256: str | None
    definitions: dict[str, DefinitionOut]
    nodes: list[NodeOut]


@router.get(
    "/indicators/{code}",
    response=IndicatorsOut,
    summary="Indicators of an area and its children",
)
def indicators(request, code: str, filters: Query[IndicatorQuery]):
    user = current_user(request)
    if filters.as_of is not None and filters.snapshot is not None:
        raise ValidationFailed({"snapshot": [_("Give either as_of or snapshot, not both.")]})
    snap = snapshot_get(user=user, pk=filters.snapshot) if filters.snapshot is not None else None
    nodes = figures_for(
        user=user, area_code=code, as_of=filters.as_of, snapshot=snap, depth=filters.depth
    )
    return reports.as_dict(nodes, reports.meta(nodes, as_of=filters.as_of, snapshot=snap))
