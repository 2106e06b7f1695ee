"""Writes of the comparison: running a comparison, and changing a finding's status.

`run_comparison` does the heavy part in Polars (engine.py) and then writes the run, its
findings and its unmatched people in one transaction: a kill mid-run leaves the database
as it was before. Findings are identified by a fingerprint of (rule, person — the ID
number, or the household for a finding about the household —, key): re-running a file
finds the existing finding (whatever its status) instead of creating a second one, so a
dismissed finding stays dismissed, and a person registered again never gets a second
finding for the same department record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.roles import Capability, has_capability
from fupin.compare import engine, selectors
from fupin.compare.models import (
    ComparisonRun,
    DatasetKind,
    Finding,
    FindingStatus,
    UnmatchedPerson,
)
from fupin.core.bulk import Ids, bulk_insert, reset_sequences
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.files import file_sha256
from fupin.core.history import recording
from fupin.core.models import actor_name
from fupin.core.scope import area_prefix_of, code_in_area, user_covers
from fupin.geo.models import Division

FINGERPRINT_CHUNK = 5000


def medical_threshold_default() -> float:
    return float(getattr(settings, "COMPARE_MEDICAL_THRESHOLD", engine.DEFAULT_MEDICAL_THRESHOLD))


def fingerprint(rule: str, household_id: int, id_number: str | None, key: str) -> str:
    """One finding per fact: a finding about a person is keyed by the person's ID number
    (not by the member row, which a re-registration would make anew), a finding about a
    household by the household."""
    who = f"id:{id_number.upper()}" if id_number else f"household:{household_id}"
    text = f"{rule}|{who}|{key}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class RunOutcome:
    run: ComparisonRun
    errors: pl.DataFrame  # every rejected row: row, column, value, reason


def _resolve_area(actor: User | None, area_code: str) -> tuple[str, str]:
    """(division code, prefix) the run covers; "" = everything (system runs, superusers)."""
    if area_code:
        division = Division.objects.filter(code=area_code).first()
        if division is None:
            raise ValidationFailed(
                {"area": [_("Unknown division code %(code)s.") % {"code": area_code}]}
            )
        if actor is not None:
            user_prefix = area_prefix_of(actor)
            if user_prefix is None or not code_in_area(division.code, user_prefix):
                raise OutsideArea()
        return division.code, division.prefix
    if actor is not None and actor.area is not None:
        return actor.area.code, actor.area.prefix
    if actor is not None and area_prefix_of(actor) is None:
        raise OutsideArea()
    return "", ""


def run_comparison(
    *,
    actor: User | None,
    kind: str,
    path: str | Path,
    file_name: str | None = None,
    area_code: str = "",
    medical_threshold: float | None = None,
) -> RunOutcome:
    """Compare one department file with the active registry and record findings.

    `actor` None is the system (command line without --user). Otherwise the user needs the
    run_comparison capability and the area must lie inside the user's area.
    """
    if kind not in DatasetKind.values:
        raise ValidationFailed({"kind": [_("Unknown dataset kind %(kind)s.") % {"kind": kind}]})
    if actor is not None and not has_capability(actor, Capability.RUN_COMPARISON):
        raise NotAllowed()
    code, prefix = _resolve_area(actor, area_code)
    threshold = medical_threshold if medical_threshold is not None else medical_threshold_default()
    path = Path(path)
    sha = file_sha256(path)
    started = timezone.now()

    prepared = engine.prepare(kind, engine.read_table(path))
    # Subsistence rolls look for people nowhere in the registry: read all of it.
    sql_prefix = "" if kind == DatasetKind.SUBSISTENCE_ROLLS else prefix
    registry = selectors.registry_frame(area_prefix=sql_prefix)
    result = engine.match(
        kind, prepared.good, registry, area_prefix=prefix, medical_threshold=threshold
    )

    findings = result.findings
    rows = (
        findings.select(
            "household_id",
            "member_id",
            pl.when(pl.col("member_id").is_not_null()).then(pl.col("id_number")).alias("id_number"),
            "rule",
            "key",
            "summary",
        ).to_dicts()
        if findings.height
        else []
    )
    details = engine.details_of(findings, result.detail_columns) if rows else []
    for r in rows:
        r["fingerprint"] = fingerprint(r["rule"], r["household_id"], r["id_number"], r["key"])

    with transaction.atomic():
        run = ComparisonRun.objects.create(
            kind=kind,
            user=actor,
            user_name=actor_name(actor),
            area_code=code,
            started_at=started,
            file_name=(file_name or path.name)[:255],
            sha256=sha,
            rows_read=prepared.rows_read,
            rows_rejected=prepared.rows_rejected,
            matches=result.matches,
            options={"medical_threshold": threshold}
            if kind == DatasetKind.MEDICAL_SPENDING
            else {},
            errors=prepared.errors.head(ComparisonRun.MAX_STORED_ERRORS).to_dicts(),
        )
        existing: set[str] = set()
        prints = [r["fingerprint"] for r in rows]
        for start in range(0, len(prints), FINGERPRINT_CHUNK):
            existing.update(
                Finding.objects.filter(
                    fingerprint__in=prints[start : start + FINGERPRINT_CHUNK]
                ).values_list("fingerprint", flat=True)
            )
        now = timezone.now()
        new = [
            Finding(
                household_id=r["household_id"],
                member_id=r["member_id"],
                run_id=run.pk,
                kind=kind,
                rule=r["rule"],
                key=r["key"],
                fingerprint=r["fingerprint"],
                summary=(r["summary"] or "")[:300],
                details=d,
                status=FindingStatus.OPEN,
                reason="",
                resolved_by_id=None,
                resolved_at=None,
                created_at=now,
            )
            for r, d in zip(rows, details, strict=True)
            if r["fingerprint"] not in existing
        ]
        _insert(new, Finding)
        people = _unmatched_people(run, result, code)
        _insert(people, UnmatchedPerson)
        run.findings_created = len(new)
        run.findings_existing = len(rows) - len(new)
        run.unmatched = len(people)
        run.finished_at = timezone.now()
        run.save()
    return RunOutcome(run=run, errors=prepared.errors)


def _insert(objs: list[Any], model: type) -> None:
    if not objs:
        return
    Ids(model).assign(objs, model)
    bulk_insert(objs, model)
    if connection.vendor == "postgresql":
        reset_sequences(model)


def _unmatched_people(
    run: ComparisonRun, result: engine.MatchResult, code: str
) -> list[UnmatchedPerson]:
    frame = result.unmatched
    if not frame.height:
        return []
    rows = frame.select("id_number", "name", "area_code", "rule", "summary").to_dicts()
    details = engine.details_of(frame, result.detail_columns)
    return [
        UnmatchedPerson(
            run_id=run.pk,
            rule=r["rule"],
            id_number=r["id_number"],
            name=(r["name"] or "")[:50],
            # The department row's division if it names one, else the area compared.
            area_code=(r["area_code"] or code or "")[:12],
            summary=(r["summary"] or "")[:300],
            details=d,
        )
        for r, d in zip(rows, details, strict=True)
    ]


# ---------------------------------------------------------------- finding status

REASON_REQUIRED = {FindingStatus.DISMISSED, FindingStatus.OPEN}

# Which decision of the authority table (fupin.accounts.authority) each new status is:
# any staff may confirm; only the township or county may dismiss (a village clerk must not
# dismiss findings about their own village) or reopen.
STATUS_AUTHORITY: dict[str, str] = {
    FindingStatus.CONFIRMED: "finding.confirm",
    FindingStatus.DISMISSED: "finding.dismiss",
    FindingStatus.OPEN: "finding.reopen",
}


def allowed_statuses(user: User, finding: Finding) -> list[str]:
    """The statuses the user may give the finding now (pages show only these)."""
    village = finding.household.village_id
    return [
        status
        for status, code in STATUS_AUTHORITY.items()
        if status != finding.status and authority.may(user, code, village)
    ]


def finding_set_status(*, actor: User, finding: Finding, status: str, reason: str = "") -> Finding:
    """Confirm, dismiss (reason required) or reopen (reason required) a finding; who may:
    `STATUS_AUTHORITY`. Recorded in history under its household."""
    household = finding.household
    reason = (reason or "").strip()
    if status not in FindingStatus.values:
        if not user_covers(actor, household.village_id):
            raise OutsideArea()
        raise ValidationFailed({"status": [_("Unknown status.")]})
    authority.require(actor, STATUS_AUTHORITY[status], household.village_id)
    if status == finding.status:
        raise ValidationFailed({"status": [_("The finding already has this status.")]})
    if status in REASON_REQUIRED and not reason:
        raise ValidationFailed({"reason": [_("Give the reason.")]})
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if locked.status != finding.status:
            raise ValidationFailed({"status": [_("Someone else changed this finding; reload.")]})
        with recording(
            actor,
            locked,
            area_code=household.village_id,
            reason=reason,
            related=household,
        ):
            locked.status = status
            locked.reason = reason
            if status == FindingStatus.OPEN:
                locked.resolved_by, locked.resolved_at = None, None
            else:
                locked.resolved_by, locked.resolved_at = actor, timezone.now()
            locked.save(update_fields=["status", "reason", "resolved_by", "resolved_at"])
    return locked
