"""Writes of supervision (督查). Each service checks who may act, runs in one transaction
and records its changes with `fupin.core.history`.

Who may do what:
- capability "supervise" (inspectors, the county office), inside their area: units,
  inspections, findings, marking a finding failed, escalation decisions, responsibility
  lists, task lists and tasks;
- the unit's own staff (an editing role whose area covers the unit: village staff for
  their village committee, the township station for its township and villages, the
  county office): task completions;
- rectification reports ("rectification.submit") and their verification
  ("rectification.verify") are decided by the authority table
  (fupin.accounts.authority); four eyes: the user who submitted a report may not
  verify it.

What a failure is (counted for escalation, 1st → 通报, 2nd → 约谈, 3rd+ → 问责):
a finding **fails** when
  (a) its rectification deadline has passed (the day after the deadline) and no
      rectification report submitted on or before the deadline was accepted or is still
      awaiting verification — failure date: the deadline; or
  (b) an inspector marked it failed — failure date: the day it was marked,
whichever comes first. A finding whose report was submitted by the deadline and
accepted never fails (unless an inspector later marks it failed). A report submitted
on time that is rejected after the deadline makes the finding fail as of its deadline.
Failures are counted per unit within the escalation period that contains the failure
date (calendar year by default, `periods.escalation_period`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.roles import Capability, has_capability
from fupin.core.errors import AlreadyDecided, DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.files import Upload, accept_upload
from fupin.core.history import build_change, bulk_record, created, recording, snapshot
from fupin.core.models import ChangeAction, actor_account, actor_name
from fupin.core.scope import code_range, require_edit, user_covers
from fupin.geo.models import Division, Level
from fupin.supervision import choices as c
from fupin.supervision.models import (
    Escalation,
    Finding,
    Inspection,
    Rectification,
    ResponsibilityItem,
    Task,
    TaskList,
    Unit,
)
from fupin.supervision.periods import escalation_period, period_end, period_start_error


class FindingClosed(DomainError):
    code = "finding_closed"
    status = 409
    default_message = gettext_lazy("This finding is closed.")  # a class attribute: lazy


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def require_supervise(actor: User, area_code: str) -> None:
    """The "supervise" capability, inside the actor's area (outside: not found)."""
    if not user_covers(actor, area_code):
        raise OutsideArea()
    if not has_capability(actor, Capability.SUPERVISE):
        raise NotAllowed()


def may_supervise(user: User, area_code: str) -> bool:
    return user_covers(user, area_code) and has_capability(user, Capability.SUPERVISE)


def may_act_for_unit(user: User, unit: Unit) -> bool:
    """The unit's own staff: an editing role whose area covers the unit."""
    return user_covers(user, unit.area_code) and bool(getattr(user, "may_edit", False))


def may_submit_rectification(user: User, finding: Finding) -> bool:
    return authority.may(user, "rectification.submit", finding.unit.area_code)


def _submitter(rectification: Rectification) -> list[Any]:
    return [rectification.submitted_by_id] if rectification.submitted_by_id else []


def may_verify(user: User, rectification: Rectification) -> bool:
    return authority.may(
        user,
        "rectification.verify",
        rectification.finding.unit.area_code,
        authors=_submitter(rectification),
    )


def _required(**values: object) -> None:
    errors = {k: [_("This field is required.")] for k, v in values.items() if not str(v).strip()}
    if errors:
        raise ValidationFailed(errors)


def _choice(name: str, value: str, choices: type[models.Choices]) -> None:
    if value not in choices.values:
        raise ValidationFailed({name: [_("Select a valid choice.")]})


# ------------------------------------------------------------------------- units


def unit_create(
    *,
    actor: User,
    name: str,
    kind: str,
    area_code: str,
    division: Division | None = None,
    reason: str = "",
) -> Unit:
    require_supervise(actor, area_code)
    _required(name=name)
    _choice("kind", kind, c.UnitKind)
    if not Division.objects.filter(code=area_code).exists():
        raise ValidationFailed({"area_code": [_("Unknown division.")]})
    if division is not None and (
        division.code != area_code or division.level not in (Level.TOWNSHIP, Level.VILLAGE)
    ):
        raise ValidationFailed({"division": [_("A unit stands for its own township or village.")]})
    with transaction.atomic():
        if division is not None and Unit.objects.filter(division=division).exists():
            raise ValidationFailed({"division": [_("This division already has its unit.")]})
        if Unit.objects.filter(area_code=area_code, name=name.strip()).exists():
            raise ValidationFailed({"name": [_("A unit of this name exists in this area.")]})
        unit = Unit.objects.create(
            name=name.strip(), kind=kind, area_code=area_code, division=division
        )
        created(actor, unit, area_code=area_code, reason=reason)
    return unit


def unit_update(
    *, actor: User, unit: Unit, name: str, kind: str, active: bool, reason: str = ""
) -> Unit:
    """Rename a unit, change its kind, or retire it (e.g. after townships merge)."""
    require_supervise(actor, unit.area_code)
    _required(name=name)
    _choice("kind", kind, c.UnitKind)
    with transaction.atomic():
        u = Unit.objects.select_for_update().get(pk=unit.pk)
        if Unit.objects.filter(area_code=u.area_code, name=name.strip()).exclude(pk=u.pk).exists():
            raise ValidationFailed({"name": [_("A unit of this name exists in this area.")]})
        with recording(actor, u, area_code=u.area_code, reason=reason):
            u.name, u.kind, u.active = name.strip(), kind, active
            u.save()
    unit.refresh_from_db()
    return u


def division_unit_name(division: Division) -> str:
    """The unit that stands for a township (乡镇人民政府) or village (村民委员会).

    Stored data, not page text: the official Chinese name, whatever the language."""
    name = division.name
    if division.level == Level.TOWNSHIP:
        return f"{name}人民政府"
    if name.endswith("村委会"):  # 老县村委会 → 老县村村民委员会
        return f"{name[:-2]}村民委员会"
    if name.endswith("居委会"):  # 春晓社区居委会 → 春晓社区居民委员会
        return f"{name[:-3]}居民委员会"
    return f"{name}村民委员会"


def ensure_division_units(*, actor: User | None, area_code: str) -> int:
    """Make sure every township and village in the area has its unit; returns how many
    were created. Idempotent (a division keeps its one unit); history in bulk."""
    area = Division.objects.filter(code=area_code).first()
    if area is None:
        raise ValidationFailed({"area_code": [_("Unknown division.")]})
    if actor is not None:  # None: the command line
        require_supervise(actor, area_code)
    with transaction.atomic():
        have = set(
            Unit.objects.filter(area_code__range=code_range(area.prefix))
            .exclude(division=None)
            .values_list("division_id", flat=True)
        )
        missing = list(
            Division.objects.in_area(area.prefix)
            .filter(level__in=(Level.TOWNSHIP, Level.VILLAGE))
            .exclude(code__in=have)
            .order_by("code")
        )
        units = [
            Unit(
                name=division_unit_name(d)[:100],
                kind=c.UnitKind.TOWNSHIP if d.level == Level.TOWNSHIP else c.UnitKind.VILLAGE,
                area_code=d.code,
                division=d,
            )
            for d in missing
        ]
        Unit.objects.bulk_create(units, batch_size=500)
        # bulk_create does not return keys on every backend: read them back.
        created = list(Unit.objects.filter(division_id__in=[d.code for d in missing]))
        now = timezone.now()
        bulk_record(
            build_change(
                actor=actor,
                instance=u,
                action=ChangeAction.CREATE,
                before=None,
                area_code=u.area_code,
                reason=_("Unit of a division"),
                time=now,
            )
            for u in created
        )
    return len(created)


# ------------------------------------------------------------------- inspections


def inspection_create(
    *,
    actor: User,
    title: str,
    kind: str,
    area_code: str,
    start_date: dt.date,
    end_date: dt.date,
    inspectors: Iterable[User] = (),
    notes: str = "",
) -> Inspection:
    require_supervise(actor, area_code)
    _required(title=title)
    _choice("kind", kind, c.InspectionKind)
    if end_date < start_date:
        raise ValidationFailed({"end_date": [_("The end date is before the start date.")]})
    inspectors = list(inspectors)
    for u in inspectors:
        if not (user_covers(u, area_code) and has_capability(u, Capability.SUPERVISE)):
            raise ValidationFailed(
                {"inspectors": [_("%(user)s may not inspect this area.") % {"user": u}]}
            )
    with transaction.atomic():
        insp = Inspection.objects.create(
            title=title.strip(),
            kind=kind,
            area_id=area_code,
            start_date=start_date,
            end_date=end_date,
            notes=notes,
            created_by=actor_account(actor),
        )
        insp.inspectors.set(inspectors)
        names = ", ".join(u.get_full_name() or u.username for u in inspectors)
        # The inspectors (a many-to-many set) are named in the record's reason.
        created(
            actor,
            insp,
            area_code=area_code,
            reason=_("Inspectors: %(names)s") % {"names": names} if names else "",
        )
    return insp


def finding_add(
    *,
    actor: User,
    inspection: Inspection,
    unit: Unit,
    description: str,
    category: str,
    severity: str,
    found_on: dt.date,
    deadline: dt.date,
    upload: Upload | None = None,
) -> Finding:
    require_supervise(actor, unit.area_code)
    require_supervise(actor, inspection.area_id)
    _required(description=description)
    _choice("category", category, c.FindingCategory)
    _choice("severity", severity, c.Severity)
    if not unit.active:
        raise ValidationFailed({"unit": [_("The unit is retired.")]})
    if not unit.area_code.startswith(inspection.area.prefix):
        raise ValidationFailed({"unit": [_("The unit is outside the inspected area.")]})
    if deadline < found_on:
        raise ValidationFailed({"deadline": [_("The deadline is before the finding.")]})
    upload = accept_upload(upload)
    with transaction.atomic():
        f = Finding(
            inspection=inspection,
            unit=unit,
            description=description.strip(),
            category=category,
            severity=severity,
            found_on=found_on,
            deadline=deadline,
            created_by=actor_account(actor),
        )
        f.attach(upload)
        f.save()
        created(actor, f, area_code=unit.area_code, related=unit)
    return f


def _lock(finding: Finding) -> Finding:
    return Finding.objects.select_for_update().select_related("unit").get(pk=finding.pk)


def rectification_submit(
    *,
    actor: User,
    finding: Finding,
    report: str,
    upload: Upload | None = None,
    today: dt.date | None = None,
) -> Rectification:
    """The unit reports its rectification (整改报告); the inspector verifies it."""
    authority.require(actor, "rectification.submit", finding.unit.area_code)
    _required(report=report)
    upload = accept_upload(upload)
    day = _today(today)
    with transaction.atomic():
        f = _lock(finding)
        if f.status not in (c.FindingStatus.OPEN, c.FindingStatus.OVERDUE):
            if f.status == c.FindingStatus.SUBMITTED:
                raise FindingClosed(_("A report is already awaiting verification."))
            raise FindingClosed()
        rec = Rectification(
            finding=f,
            report=report.strip(),
            submitted_on=day,
            submitted_by=actor_account(actor),
            submitted_by_name=actor_name(actor),
        )
        rec.attach(upload)
        rec.save()
        created(actor, rec, area_code=f.unit.area_code, related=f)
        with recording(actor, f, area_code=f.unit.area_code, related=f.unit):
            f.status = c.FindingStatus.SUBMITTED
            f.save(update_fields=["status"])
    finding.refresh_from_db()
    return rec


def rectification_verify(
    *,
    actor: User,
    rectification: Rectification,
    accepted: bool,
    notes: str = "",
    today: dt.date | None = None,
) -> Rectification:
    """The inspector accepts or rejects a report. A rejection sends the finding back
    (open, or overdue past its deadline) and may make it a failure: escalation runs."""
    unit = rectification.finding.unit
    authority.require(
        actor, "rectification.verify", unit.area_code, authors=_submitter(rectification)
    )
    if not accepted and not notes.strip():
        raise ValidationFailed({"notes": [_("Say why the report is rejected.")]})
    day = _today(today)
    with transaction.atomic():
        rec = Rectification.objects.select_for_update().get(pk=rectification.pk)
        if rec.verdict != c.Verdict.PENDING:
            raise AlreadyDecided(_("This report has already been verified."))
        note = authority.require(
            actor, "rectification.verify", unit.area_code, authors=_submitter(rec)
        )
        notes = authority.with_note(notes.strip(), note)
        f = _lock(rec.finding)
        with recording(actor, rec, area_code=unit.area_code, reason=notes, related=f):
            rec.verdict = c.Verdict.ACCEPTED if accepted else c.Verdict.REJECTED
            rec.verified_on = day
            rec.verified_by = actor_account(actor)
            rec.verified_by_name = actor_name(actor)
            rec.verify_notes = notes.strip()
            rec.save()
        with recording(actor, f, area_code=unit.area_code, related=f.unit):
            if accepted:
                f.status = c.FindingStatus.RECTIFIED
                f.rectified_on = rec.submitted_on
            else:
                f.status = c.FindingStatus.OVERDUE if day > f.deadline else c.FindingStatus.OPEN
            f.save(update_fields=["status", "rectified_on"])
        _escalate_units([f.unit_id], as_of=day, actor=actor)
    rectification.refresh_from_db()
    return rec


def finding_fail(
    *, actor: User, finding: Finding, reason: str, today: dt.date | None = None
) -> Finding:
    """The inspector marks a finding failed (rectification not done or not genuine)."""
    require_supervise(actor, finding.unit.area_code)
    _required(reason=reason)
    day = _today(today)
    with transaction.atomic():
        f = _lock(finding)
        if f.status == c.FindingStatus.FAILED:
            raise FindingClosed()
        with recording(actor, f, area_code=f.unit.area_code, reason=reason, related=f.unit):
            f.status = c.FindingStatus.FAILED
            f.failed_on = day
            f.failed_reason = reason.strip()
            f.save(update_fields=["status", "failed_on", "failed_reason"])
        # A report still awaiting verification is rejected with the same reason.
        for rec in Rectification.objects.filter(finding=f, verdict=c.Verdict.PENDING):
            with recording(actor, rec, area_code=f.unit.area_code, reason=reason, related=f):
                rec.verdict = c.Verdict.REJECTED
                rec.verified_on = day
                rec.verified_by = actor_account(actor)
                rec.verified_by_name = actor_name(actor)
                rec.verify_notes = reason.strip()
                rec.save()
        _escalate_units([f.unit_id], as_of=day, actor=actor)
    finding.refresh_from_db()
    return finding


# -------------------------------------------------------------------- escalation


def failure_of(
    finding: Finding, rectifications: list[Rectification], as_of: dt.date
) -> tuple[str, dt.date] | None:
    """Whether `finding` counts as a failure as of `as_of`: (kind, failure date) or None.

    See the module docstring for the definition."""
    candidates: list[tuple[dt.date, str]] = []
    if as_of > finding.deadline:
        saved = any(
            r.submitted_on <= finding.deadline
            and r.verdict in (c.Verdict.ACCEPTED, c.Verdict.PENDING)
            for r in rectifications
        )
        if not saved:
            candidates.append((finding.deadline, c.FailureKind.OVERDUE))
    if (
        finding.status == c.FindingStatus.FAILED
        and finding.failed_on is not None
        and finding.failed_on <= as_of
    ):
        candidates.append((finding.failed_on, c.FailureKind.FAILED))
    if not candidates:
        return None
    day, kind = min(candidates)
    return kind, day


def _failure_candidates(as_of: dt.date) -> Q:
    """Findings that may be failures as of `as_of` (`failure_of` decides)."""
    return Q(deadline__lt=as_of) | Q(status=c.FindingStatus.FAILED, failed_on__lte=as_of)


@dataclass
class EscalateResult:
    checked: int = 0
    marked_overdue: int = 0
    created: int = 0
    by_step: dict[str, int] = field(default_factory=dict)


def _escalate_units(
    unit_ids: Iterable[int],
    *,
    as_of: dt.date,
    actor: User | None = None,
    period_kind: str | None = None,
) -> EscalateResult:
    """Create the missing escalations of these units' failures as of `as_of`.

    Idempotent: a finding has at most one escalation. A unit's existing escalations keep
    their numbers; new failures follow in order of failure date, then finding id."""
    result = EscalateResult()
    # One escalation run per unit at a time: numbers within a period stay unique.
    list(Unit.objects.select_for_update().filter(pk__in=list(unit_ids)).values_list("pk"))
    findings = list(
        Finding.objects.filter(unit_id__in=unit_ids, escalation__isnull=True)
        .filter(_failure_candidates(as_of))
        .select_related("unit")
        .prefetch_related("rectifications")
        .order_by("unit_id", "deadline", "id")
    )
    result.checked = len(findings)
    failures: list[tuple[dt.date, int, Finding, str]] = []
    for f in findings:
        found = failure_of(f, list(f.rectifications.all()), as_of)
        if found is not None:
            kind, day = found
            failures.append((day, f.pk, f, kind))
    failures.sort(key=lambda t: (t[2].unit_id, t[0], t[1]))
    # Existing escalations per unit and period: one grouped read.
    counts: dict[tuple[int, dt.date], int] = {
        (row["unit_id"], row["period_start"]): row["n"]
        for row in Escalation.objects.filter(unit_id__in={f.unit_id for *_x, f, _k in failures})
        .values("unit_id", "period_start")
        .annotate(n=Count("id"))
    }
    now = timezone.now()
    new: list[Escalation] = []
    for day, _pk, f, kind in failures:
        start, end = escalation_period(day, period_kind)
        key = (f.unit_id, start)
        counts[key] = counts.get(key, 0) + 1
        n = counts[key]
        new.append(
            Escalation(
                unit=f.unit,
                finding=f,
                failure_kind=kind,
                failed_on=day,
                period_start=start,
                period_end=end,
                sequence=n,
                step=c.step_for(n),
                created_at=now,
            )
        )
    # Bulk path: the rows and their change records, in the caller's transaction.
    Escalation.objects.bulk_create(new, batch_size=500)
    if new and new[0].pk is None:  # a backend that returns no keys: read them back
        keys = dict(
            Escalation.objects.filter(finding__in=[e.finding for e in new]).values_list(
                "finding_id", "pk"
            )
        )
        for e in new:
            e.pk = keys[e.finding_id]
    bulk_record(
        build_change(
            actor=actor,
            instance=e,
            action=ChangeAction.CREATE,
            before=None,
            area_code=e.unit.area_code,
            related=e.unit,
            reason=_("Failure %(n)s of the unit in the period") % {"n": e.sequence},
            time=now,
        )
        for e in new
    )
    result.created = len(new)
    for e in new:
        result.by_step[e.step] = result.by_step.get(e.step, 0) + 1
    return result


def escalate(
    *,
    as_of: dt.date | None = None,
    area: str = "",
    actor: User | None = None,
    period_kind: str | None = None,
) -> EscalateResult:
    """The daily sweep (`fupin supervision escalate`): marks open findings past their
    deadline overdue, then creates the escalations of every new failure. Idempotent."""
    day = _today(as_of)
    prefix = ""
    if area:
        division = Division.objects.filter(code=area).first()
        prefix = division.prefix if division else area
    if actor is not None and not user_covers(actor, prefix.ljust(12, "0")):
        raise OutsideArea()
    with transaction.atomic():
        # Status for people to read; the counting below reads the dates, not this.
        overdue_before = min(day, timezone.localdate())
        late = list(
            Finding.objects.in_area(prefix)
            .filter(status=c.FindingStatus.OPEN, deadline__lt=overdue_before)
            .select_related("unit")
        )
        now = timezone.now()
        records = []
        for f in late:
            before = snapshot(f)
            f.status = c.FindingStatus.OVERDUE
            records.append(
                build_change(
                    actor=actor,
                    instance=f,
                    action=ChangeAction.UPDATE,
                    before=before,
                    area_code=f.unit.area_code,
                    related=f.unit,
                    reason=_("Deadline passed"),
                    time=now,
                )
            )
        ids = [f.pk for f in late]
        for i in range(0, len(ids), 500):  # one UPDATE per batch; history written above
            Finding.objects.filter(pk__in=ids[i : i + 500]).update(status=c.FindingStatus.OVERDUE)
        bulk_record(records)
        unit_ids = list(
            Finding.objects.in_area(prefix)
            .filter(escalation__isnull=True)
            .filter(_failure_candidates(day))
            .values_list("unit_id", flat=True)
            .distinct()
        )
        result = _escalate_units(unit_ids, as_of=day, actor=actor, period_kind=period_kind)
        result.marked_overdue = len(late)
    return result


def escalation_decide(
    *,
    actor: User,
    escalation: Escalation,
    state: str,
    decided_on: dt.date,
    document: str = "",
    notes: str = "",
) -> Escalation:
    """Record the decision on an escalation step: issued (with its document number) or
    waived (with the reason), who decided and when."""
    require_supervise(actor, escalation.unit.area_code)
    if state not in (c.EscalationState.ISSUED, c.EscalationState.WAIVED):
        raise ValidationFailed({"state": [_("Select a valid choice.")]})
    if state == c.EscalationState.ISSUED and not document.strip():
        raise ValidationFailed({"document": [_("Give the document number.")]})
    if state == c.EscalationState.WAIVED and not notes.strip():
        raise ValidationFailed({"notes": [_("Say why the step is waived.")]})
    with transaction.atomic():
        esc = Escalation.objects.select_for_update().select_related("unit").get(pk=escalation.pk)
        if esc.state != c.EscalationState.PROPOSED:
            raise AlreadyDecided(_("This step has already been decided."))
        with recording(actor, esc, area_code=esc.unit.area_code, reason=notes, related=esc.unit):
            esc.state = state
            esc.decided_on = decided_on
            esc.decided_by = actor_account(actor)
            esc.decided_by_name = actor_name(actor)
            esc.document = document.strip()
            esc.notes = notes.strip()
            esc.save()
    escalation.refresh_from_db()
    return esc


# ------------------------------------------------------------ responsibility lists


def responsibility_add(
    *,
    actor: User,
    level: str,
    unit: Unit,
    person_name: str,
    post: str,
    duty: str,
    basis: str = "",
) -> ResponsibilityItem:
    require_supervise(actor, unit.area_code)
    _required(person_name=person_name, post=post, duty=duty)
    _choice("level", level, c.Level)
    with transaction.atomic():
        item = ResponsibilityItem.objects.create(
            level=level,
            unit=unit,
            person_name=person_name.strip(),
            post=post.strip(),
            duty=duty.strip(),
            basis=basis.strip(),
        )
        created(actor, item, area_code=unit.area_code, related=unit)
    return item


def responsibility_retire(
    *, actor: User, item: ResponsibilityItem, reason: str
) -> ResponsibilityItem:
    require_supervise(actor, item.unit.area_code)
    _required(reason=reason)
    with (
        transaction.atomic(),
        recording(
            actor,
            item,
            area_code=item.unit.area_code,
            reason=reason,
            related=item.unit,
        ),
    ):
        item.active = False
        item.save(update_fields=["active"])
    return item


# --------------------------------------------------------------------- task lists


def task_list_create(
    *, actor: User, title: str, area_code: str, period_kind: str, period_start: dt.date
) -> TaskList:
    require_supervise(actor, area_code)
    _required(title=title)
    error = period_start_error(period_kind, period_start)
    if error:
        raise ValidationFailed({"period_start": [error]})
    with transaction.atomic():
        tl = TaskList.objects.create(
            title=title.strip(),
            area_id=area_code,
            period_kind=period_kind,
            period_start=period_start,
            created_by=actor_account(actor),
        )
        created(actor, tl, area_code=area_code)
    return tl


def task_add(
    *,
    actor: User,
    task_list: TaskList,
    unit: Unit,
    title: str,
    due_date: dt.date,
    description: str = "",
) -> Task:
    require_supervise(actor, unit.area_code)
    _required(title=title)
    if not unit.active:
        raise ValidationFailed({"unit": [_("The unit is retired.")]})
    if not unit.area_code.startswith(task_list.area.prefix):
        raise ValidationFailed({"unit": [_("The unit is outside the task list's area.")]})
    end = period_end(task_list.period_kind, task_list.period_start)
    if not task_list.period_start <= due_date <= end:
        raise ValidationFailed({"due_date": [_("The due date lies outside the list's period.")]})
    with transaction.atomic():
        task = Task.objects.create(
            task_list=task_list,
            unit=unit,
            title=title.strip(),
            description=description.strip(),
            due_date=due_date,
        )
        created(actor, task, area_code=unit.area_code, related=task_list)
    return task


def task_complete(
    *,
    actor: User,
    task: Task,
    evidence: str,
    upload: Upload | None = None,
    today: dt.date | None = None,
) -> Task:
    """The unit reports a task done: who, when, the evidence."""
    require_edit(actor, task.unit.area_code)
    _required(evidence=evidence)
    upload = accept_upload(upload)
    day = _today(today)
    with transaction.atomic():
        t = Task.objects.select_for_update().select_related("unit").get(pk=task.pk)
        if t.completed_on is not None:
            raise AlreadyDecided(_("This task is already completed."))
        with recording(actor, t, area_code=t.unit.area_code, related=t.task_list):
            t.completed_on = day
            t.completed_by = actor_account(actor)
            t.completed_by_name = actor_name(actor)
            t.evidence = evidence.strip()
            t.attach(upload)
            t.save()
    task.refresh_from_db()
    return t
