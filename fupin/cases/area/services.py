"""Writes of the area exit procedures (贫困村退出, 贫困县退出): open a case, do its steps,
post its public notice, record and resolve objections, withdraw it, designate a poor
county. The step rules are the household cases' (`fupin.cases.engine`); each service
checks who may act, runs in one transaction and records its changes in it.

- Only the current step can be done, by its role and level (`procedures.AREA_PROCEDURES`);
  the four-eyes rule holds on the reviews (not by who opened the case or did an earlier
  step, unless the county's policy switched the rule off; the change record then says so).
- The checking step (the township's verification, the province's check) records the exit
  checklist on the case (`procedures.EXIT_CHECKLIST`, the indicators app's village and
  county exit tests: incidence as of the day, infrastructure and collective income from
  the village profile; for a county the "三率一度" of its latest finished assessment).
- The last step reads the checklist again and records it; an approval is refused while an
  item fails, naming it (for a county any failing indicator vetoes).
- The notice step passes when its notice ends without an open objection
  (`advance_area_notices`, in `fupin cases advance-notices`); an upheld objection sends
  the case back to the step before the notice.
- When the last step passes, the village's (county's) year of exit is set with its own
  change record naming the case (`fupin.geo.services.set_village_exit`/`set_county_exit`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.roles import Capability
from fupin.cases import engine
from fupin.cases import procedures as P
from fupin.cases.models import (
    ACTIVE_STATUSES,
    AreaCase,
    AreaCaseStep,
    AreaNotice,
    AreaObjection,
    CaseStatus,
    ObjectionStatus,
    StepDecision,
)
from fupin.cases.services import CaseClosed, StepOutOfOrder
from fupin.core.errors import DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.files import Upload, accept_upload
from fupin.core.history import created, recording
from fupin.core.models import actor_account
from fupin.core.scope import require_edit, user_covers
from fupin.geo.models import CountyProfile, Division, Level, PoorCountyKind, VillageProfile
from fupin.geo.services import set_county_exit, set_village_exit


class ChecklistFails(DomainError):
    """The exit checklist has an item that is not met: the last step is refused."""

    code = "checklist_fails"
    status = 409


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def case_label(case: AreaCase) -> str:
    return _("%(kind)s case #%(id)s") % {"kind": case.get_kind_display(), "id": case.pk}


# ---------------------------------------------------------------- the checklist


def evaluate_checklist(kind: str, area_code: str, on: dt.date) -> dict[str, Any]:
    """The exit checklist of the area as of `on`, as plain JSON: {"on", "items": [{code,
    label, required, actual, met, missing, source}], "criteria", "assessment"}."""
    evaluate = P.EXIT_CHECKLIST.get(kind)
    if evaluate is None:
        raise DomainError(_("No exit checklist is configured for this kind of case."))
    data = {"on": on.isoformat(), **evaluate(area_code, on)}
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


def failing_items(checklist: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [i for i in (checklist or {}).get("items", []) if not i.get("met")]


def _failing_message(items: list[dict[str, Any]]) -> str:
    named = "; ".join(
        f"{i['label']}: {i.get('missing') or i.get('actual', '')}".rstrip(": ") for i in items
    )
    return _("The exit checklist is not met, so the exit cannot be approved: %(items)s.") % {
        "items": named
    }


# ---------------------------------------------------------------- opening


def _check_openable(kind: str, area: Division) -> None:
    if area.level != P.AREA_LEVEL[kind]:
        raise ValidationFailed({"area": [_("Choose an area of the level this case is for.")]})
    if kind == P.AreaKind.VILLAGE_EXIT:
        profile = VillageProfile.objects.filter(village_id=area.code).first()
        if profile is None or not profile.is_poor_village:
            raise ValidationFailed({"area": [_("Only a poor village has an exit case.")]})
        if profile.exit_year:
            raise ValidationFailed(
                {"area": [_("The village exited in %(year)s.") % {"year": profile.exit_year}]}
            )
    else:
        county = CountyProfile.objects.filter(county_id=area.code).first()
        if county is None or not county.is_poor_county:
            raise ValidationFailed({"area": [_("Only a poor county has an exit case.")]})
        if county.exit_year:
            raise ValidationFailed(
                {"area": [_("The county exited in %(year)s.") % {"year": county.exit_year}]}
            )
    if AreaCase.objects.filter(area=area, kind=kind, status__in=ACTIVE_STATUSES).exists():
        raise ValidationFailed({"area": [_("This area already has an open exit case.")]})


def area_case_open(
    *,
    actor: User,
    area_code: str,
    kind: str,
    reason: str = "",
    today: dt.date | None = None,
) -> AreaCase:
    """Open an exit case on a poor village or county: by the role of its first step (the
    village staff apply for the village, the county office proposes the county)."""
    today = _today(today)
    if kind not in P.AreaKind.values:
        raise ValidationFailed({"kind": [_("Unknown kind of case.")]})
    area = Division.objects.filter(code=area_code).first()
    if area is None:
        raise OutsideArea()
    require_edit(actor, area.code)
    steps = P.area_procedure_for(kind, area.code)
    refusal = engine.role_refusal(actor, steps[0])
    if refusal is not None:
        raise refusal
    with transaction.atomic():
        Division.objects.select_for_update().get(pk=area.pk)
        _check_openable(kind, area)
        case = AreaCase(
            kind=kind,
            area=area,
            status=CaseStatus.OPEN,
            steps=[s.code for s in steps],
            year=today.year,
            reason=reason.strip(),
            opened_by=actor_account(actor),
        )
        _move_to(case, 0, today)
        case.save()
        created(actor, case, area_code=area.code, reason=case.reason)
    return case


# ---------------------------------------------------------------- steps


def _move_to(case: AreaCase, index: int, today: dt.date) -> None:
    case.step_index = index
    case.step_started_on = today
    case.step_due_on = engine.due_on(P.area_step_of(case.kind, case.steps[index]), today)


def _lock(case: AreaCase) -> AreaCase:
    return AreaCase.objects.select_for_update().get(pk=case.pk)


def _authors(case: AreaCase) -> set[int]:
    """Who opened the case or did one of the steps before the current one."""
    ids = set(
        case.records.filter(index__lt=case.step_index, actor__isnull=False).values_list(
            "actor_id", flat=True
        )
    )
    if case.opened_by_id:
        ids.add(case.opened_by_id)
    return ids


def area_step_refusal(
    user: User, case: AreaCase, authors: set[int] | None = None
) -> DomainError | None:
    """Why the user may not do the case's current step (None: may)."""
    if not user_covers(user, case.area_id):
        return OutsideArea()
    step = case.current_step
    if step is None:
        return CaseClosed(_("The case is closed."))
    if step.notice:
        return NotAllowed(
            _("The notice step passes when the notice period has ended without objection.")
        )
    wrong_role = engine.role_refusal(user, step)
    if wrong_role is not None:
        return wrong_role
    if step.four_eyes:
        return authority.four_eyes_refusal(
            user,
            case.area_id,
            _authors(case) if authors is None else authors,
            what=_("You opened this case or did one of its earlier steps"),
            who=engine.who_label(step),
            action=step.label,
        )
    return None


def may_do_area_step(user: User, case: AreaCase) -> bool:
    return area_step_refusal(user, case) is None


def _step_record(
    case: AreaCase,
    actor: User | None,
    decision: str,
    *,
    evidence: str = "",
    upload: Upload | None = None,
    reason: str = "",
) -> AreaCaseStep:
    rec = AreaCaseStep(
        case=case,
        step=case.steps[case.step_index],
        index=case.step_index,
        decision=decision,
        evidence=evidence,
        reason=reason,
    )
    rec.sign(actor)
    rec.attach(upload)
    rec.save()
    created(actor, rec, area_code=case.area_id, reason=reason, related=case)
    return rec


def area_step_do(
    *,
    actor: User,
    case: AreaCase,
    step: str,
    decision: str = StepDecision.DONE,
    evidence: str = "",
    upload: Upload | None = None,
    reason: str = "",
    today: dt.date | None = None,
) -> AreaCase:
    """Do the current step of an area exit case. `step` must be the current step's code."""
    today = _today(today)
    if not user_covers(actor, case.area_id):
        raise OutsideArea()
    upload = accept_upload(upload)
    with transaction.atomic():
        case = _lock(case)
        current = case.current_step
        if current is None:
            raise CaseClosed(_("The case is closed."))
        if step != current.code:
            raise StepOutOfOrder(
                _("The current step is “%(step)s”; steps cannot be skipped.")
                % {"step": current.label}
            )
        authors = _authors(case) if current.four_eyes else set()
        refusal = area_step_refusal(actor, case, authors)
        if refusal is not None:
            raise refusal
        invalid = engine.decision_refusal(
            current,
            decision,
            reason=reason,
            evidence=evidence,
            has_upload=upload is not None,
            first=case.step_index == 0,
        )
        if invalid is not None:
            raise invalid
        note = authority.four_eyes_note(actor, None, case.area_id, authors=authors)
        last = case.step_index + 1 == len(case.steps)
        passing = decision in (StepDecision.DONE, StepDecision.APPROVE)
        with recording(actor, case, area_code=case.area_id) as rec:
            if passing and current.code == P.AREA_CHECK_STEP[case.kind]:
                case.checklist = evaluate_checklist(case.kind, case.area_id, today)
            if passing and last:
                checked = evaluate_checklist(case.kind, case.area_id, today)
                failing = failing_items(checked)
                if failing:
                    raise ChecklistFails(_failing_message(failing))
                case.approved_checklist = checked
            reason = reason.strip()
            _step_record(
                case,
                actor,
                decision,
                evidence=evidence,
                upload=upload,
                reason=authority.with_note(reason, note),
            )
            if decision == StepDecision.RETURN:
                _move_to(case, case.step_index - 1, today)
                case.status = CaseStatus.RETURNED
            elif decision == StepDecision.REJECT:
                case.status = CaseStatus.REJECTED
                case.closed_at = timezone.now()
                case.step_due_on = None
            else:
                _advance(case, actor, today)
            case.save()
            rec.reason = authority.with_note(reason or str(current.label), note)
    return case


def _advance(case: AreaCase, actor: User | None, today: dt.date) -> None:
    if case.step_index + 1 < len(case.steps):
        _move_to(case, case.step_index + 1, today)
        case.status = CaseStatus.IN_PROGRESS
        return
    case.status = CaseStatus.PASSED
    case.closed_at = timezone.now()
    case.step_due_on = None
    why = case_label(case)
    if case.kind == P.AreaKind.VILLAGE_EXIT:
        set_village_exit(village_code=case.area_id, year=today.year, actor=actor, reason=why)
    else:
        set_county_exit(county_code=case.area_id, year=today.year, actor=actor, reason=why)


# ---------------------------------------------------------------- withdrawing


def area_case_close(*, actor: User, case: AreaCase, reason: str) -> AreaCase:
    """Withdraw an open exit case (authority "area_case.withdraw"), with the reason."""
    authority.require(actor, "area_case.withdraw", case.area_id)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason.")]})
    with transaction.atomic():
        case = _lock(case)
        if not case.is_active:
            raise CaseClosed(_("The case is closed."))
        with recording(actor, case, area_code=case.area_id, reason=reason.strip()):
            case.status = CaseStatus.CLOSED
            case.closed_at = timezone.now()
            case.step_due_on = None
            case.save()
    return case


# ---------------------------------------------------------------- notices


def _open_notice(case: AreaCase) -> AreaNotice | None:
    """The notice the case waits on at its notice step, if any."""
    step = case.current_step
    if step is None or not step.notice:
        return None
    last = case.records.order_by("-done_at", "-id").first()
    since = last.done_at if last else case.opened_at
    return (
        case.notices.filter(completed_at__isnull=True, created_at__gte=since)
        .order_by("-id")
        .first()
    )


def open_notice(case: AreaCase) -> AreaNotice | None:
    return _open_notice(case)


def area_notice_post(*, actor: User, case: AreaCase, posted_on: dt.date, phone: str) -> AreaNotice:
    """Post the public notice of a case at its notice step: by the step's role and level
    (the township for a village, the province for a county), for the step's days."""
    if not user_covers(actor, case.area_id):
        raise OutsideArea()
    with transaction.atomic():
        case = _lock(case)
        step = case.current_step
        if step is None or not step.notice:
            raise ValidationFailed({"posted_on": [_("The case is not at its notice step.")]})
        refusal = engine.role_refusal(actor, step)
        if refusal is not None:
            raise refusal
        if not phone.strip():
            raise ValidationFailed({"phone": [_("Give the reporting phone.")]})
        if _open_notice(case) is not None:
            raise ValidationFailed({"posted_on": [_("The case is already on a notice.")]})
        notice = AreaNotice.objects.create(
            case=case,
            posted_on=posted_on,
            days=step.days,
            ends_on=posted_on + dt.timedelta(days=step.days - 1),
            phone=phone.strip(),
            posted_by=actor,
        )
        created(actor, notice, area_code=case.area_id, related=case)
        with recording(
            actor,
            case,
            area_code=case.area_id,
            reason=_("Public notice %(id)s posted") % {"id": notice.pk},
        ):
            case.status = CaseStatus.IN_PROGRESS
            case.step_due_on = notice.ends_on + dt.timedelta(days=1)
            case.save()
    return notice


def area_objection_add(
    *,
    actor: User,
    notice: AreaNotice,
    text: str,
    received_on: dt.date,
    reporter: str = "",
    reporter_phone: str = "",
) -> AreaObjection:
    """Record an objection received during the notice period (hotline, box, visit): any
    staff member who reads the area."""
    area = notice.case.area_id
    if not user_covers(actor, area):
        raise OutsideArea()
    if not actor.can(Capability.VIEW_REGISTRY):
        raise NotAllowed()
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("Write the objection.")]
    if not (notice.posted_on <= received_on <= notice.ends_on):
        errors["received_on"] = [_("Objections are received during the notice period.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        obj = AreaObjection.objects.create(
            notice=notice,
            text=text.strip(),
            reporter=reporter.strip(),
            reporter_phone=reporter_phone.strip(),
            received_on=received_on,
            recorded_by=actor,
        )
        created(actor, obj, area_code=area, related=notice.case)
    return obj


def _decision_step(case: AreaCase, notice_index: int) -> P.Step:
    """The step after the notice: its role and level resolve the notice's objections."""
    return P.area_step_of(case.kind, case.steps[min(notice_index + 1, len(case.steps) - 1)])


def objection_refusal(user: User, objection: AreaObjection) -> DomainError | None:
    case = objection.notice.case
    if not user_covers(user, case.area_id):
        return OutsideArea()
    notice_index = next(
        i for i, code in enumerate(case.steps) if P.area_step_of(case.kind, code).notice
    )
    return engine.role_refusal(user, _decision_step(case, notice_index))


def area_objection_resolve(
    *,
    actor: User,
    objection: AreaObjection,
    upheld: bool,
    resolution: str,
    today: dt.date | None = None,
) -> AreaObjection:
    """Verify an objection: by the role and level of the step after the notice (the
    county for a village, the province for a county). Upheld: the case goes back to the
    step before the notice; dismissed: it no longer blocks the case."""
    today = _today(today)
    refusal = objection_refusal(actor, objection)
    if refusal is not None:
        raise refusal
    if not resolution.strip():
        raise ValidationFailed({"resolution": [_("Give the reason.")]})
    area = objection.notice.case.area_id
    with transaction.atomic():
        obj = AreaObjection.objects.select_for_update().get(pk=objection.pk)
        if obj.status != ObjectionStatus.OPEN:
            raise ValidationFailed({"resolution": [_("The objection is already resolved.")]})
        with recording(actor, obj, area_code=area, reason=resolution.strip()):
            obj.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
            obj.resolution = resolution.strip()
            obj.resolved_by = actor
            obj.resolved_at = timezone.now()
            obj.save()
        if upheld:
            case = _lock(obj.notice.case)
            if _open_notice(case) == obj.notice:
                with recording(actor, case, area_code=area, reason=obj.resolution):
                    _step_record(case, actor, StepDecision.RETURN, reason=obj.resolution)
                    _move_to(case, case.step_index - 1, today)
                    case.status = CaseStatus.RETURNED
                    case.save()
                with recording(None, obj.notice, area_code=area, reason=obj.resolution):
                    obj.notice.completed_at = timezone.now()
                    obj.notice.save(update_fields=["completed_at"])
    return obj


def advance_area_notices(today: dt.date | None = None) -> int:
    """Move on every area case whose notice ended before `today` without an open
    objection (daily, with `fupin cases advance-notices`). Returns how many moved on."""
    today = _today(today)
    moved = 0
    for notice in AreaNotice.objects.filter(ends_on__lt=today, completed_at__isnull=True).order_by(
        "id"
    ):
        with transaction.atomic():
            case = _lock(notice.case)
            if _open_notice(case) != notice:
                continue
            if notice.objections.filter(status=ObjectionStatus.OPEN).exists():
                continue
            with recording(None, case, area_code=case.area_id, reason=_("Notice period ended")):
                _step_record(
                    case,
                    None,
                    StepDecision.NOTICE_ENDED,
                    evidence=_("Public notice %(id)s, %(start)s to %(end)s, without objection.")
                    % {"id": notice.pk, "start": notice.posted_on, "end": notice.ends_on},
                )
                _advance(case, None, today)
                case.save()
            with recording(None, notice, area_code=case.area_id):
                notice.completed_at = timezone.now()
                notice.save(update_fields=["completed_at"])
            moved += 1
    return moved


def blocked(case: AreaCase) -> bool:
    notice = _open_notice(case)
    return bool(notice and notice.objections.filter(status=ObjectionStatus.OPEN).exists())


# ---------------------------------------------------------------- poor counties


def county_profile_designate(
    *, actor: User, county_code: str, poor_county: str, reason: str
) -> CountyProfile:
    """Designate a county a poor county (重点县 / 片区县) from the national lists, or lift
    it (authority "poor_county.designate"). Refused once the county has an exit case: the
    county exit procedure keeps its status."""
    county = Division.objects.filter(code=county_code, level=Level.COUNTY).first()
    if county is None:
        raise ValidationFailed({"county": [_("Choose a county.")]})
    authority.require(actor, "poor_county.designate", county.code)
    if poor_county and poor_county not in PoorCountyKind.values:
        raise ValidationFailed({"poor_county": [_("Choose a kind of poor county.")]})
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason.")]})
    with transaction.atomic():
        profile, _created = CountyProfile.objects.select_for_update().get_or_create(county=county)
        if poor_county != profile.poor_county:
            owner = exit_owner_label(county.code)
            if owner:
                raise ValidationFailed(
                    {
                        "poor_county": [
                            _(
                                "The poor-county status is kept by the county exit procedure "
                                "(贫困县退出) since this county has %(case)s."
                            )
                            % {"case": owner}
                        ]
                    }
                )
        with recording(actor, profile, area_code=county.code, reason=reason.strip()):
            profile.poor_county = poor_county
            profile.save()
    return profile


def exit_owner_label(code: str) -> str | None:
    """The exit case (open or passed) that owns the area's poor status, in words
    (registered with fupin.geo.hooks in CasesConfig.ready)."""
    case = (
        AreaCase.objects.filter(area_id=code)
        .exclude(status__in=[CaseStatus.CLOSED, CaseStatus.REJECTED])
        .order_by("-opened_at", "-id")
        .first()
    )
    return case_label(case) if case else None
