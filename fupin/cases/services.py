"""Writes of the case workflows. Each service checks who may act (role and area), runs in
one transaction and records its changes with `fupin.core.history` in that transaction.

Rules:

- Only the current step of an active case can be done (no skipping), by the step's role,
  inside the user's area (outside the area: 404; wrong role: 403). The notice step is
  done by nobody: it passes when its notice ends without objection.
- Four eyes: a step marked `four_eyes` (the township and county reviews) is refused (403)
  to the user who opened the case or did one of its earlier steps, unless the county's
  policy switched the rule off; then the change record says so.
- Who may withdraw a case, resolve an objection: `fupin.accounts.authority`.
- A review approves, returns (back to the previous step) or rejects; return and reject
  need a reason.
- The notice step passes only when its public notice's period has ended and no open
  objection names the case (`advance_expired_notices`).
- When the last step passes, the household's status changes in the same transaction,
  with its own change record whose reason names the case.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.roles import Capability, Role
from fupin.cases import engine
from fupin.cases import procedures as P
from fupin.cases.models import (
    ACTIVE_STATUSES,
    Appeal,
    AppealStatus,
    Case,
    CaseBatch,
    CaseStatus,
    CaseStep,
    Notice,
    Objection,
    ObjectionStatus,
    StepDecision,
)
from fupin.compare.models import EXCLUSION_RULES, Finding, FindingStatus
from fupin.core.errors import DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.files import Upload, accept_upload
from fupin.core.history import created, recording
from fupin.core.models import actor_account
from fupin.core.scope import require_edit, user_covers
from fupin.geo.models import Division, Level
from fupin.policy.evaluation import evaluate_household
from fupin.policy.selectors import current_policy
from fupin.registry.choices import HouseholdStatus
from fupin.registry.models import Household

if TYPE_CHECKING:
    from fupin.policy.models import PolicySet


class StepOutOfOrder(DomainError):
    code = "step_out_of_order"
    status = 409


class CaseClosed(DomainError):
    code = "case_closed"
    status = 409


class CaseBlocked(DomainError):
    code = "case_blocked"
    status = 409


# ---------------------------------------------------------------- helpers


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _role_label(role: str) -> str:
    return str(Role(role).label)


def _require_role(actor: User, area_code: str, role: str | Iterable[str]) -> None:
    """Edit rights inside the area (else 404 / 403), and one of the given roles (403)."""
    require_edit(actor, area_code)
    roles = {role} if isinstance(role, str) else set(role)
    if actor.role not in roles:
        raise NotAllowed(
            _("Only %(role)s may do this.")
            % {"role": " / ".join(_role_label(r) for r in sorted(roles))}
        )


class _Public:
    """Who recorded an objection sent through the public page."""

    pk = None
    username = "public"


PUBLIC = _Public()


def _policy(area_code: str, on: dt.date) -> PolicySet | None:
    """The policy set in force, or None when there is none (defaults apply)."""

    try:
        return current_policy(area_code, on=on)
    except DomainError:
        return None


def notice_days_for(area_code: str, on: dt.date) -> int:
    policy = _policy(area_code, on)
    return getattr(policy, "notice_days", None) or P.DEFAULT_NOTICE_DAYS


def appeal_days_for(area_code: str, on: dt.date) -> int:
    policy = _policy(area_code, on)
    return getattr(policy, "appeal_days", None) or P.APPEAL_DAYS


def decision_snapshot(household: Household, kind: str, on: dt.date) -> dict[str, Any] | None:
    """The policy decision for the case's kind, as plain JSON (values, lazy texts and
    decimals made into strings), so that later policy changes cannot alter it."""

    test = P.POLICY_TEST[kind]
    if test is None:
        return None
    d = evaluate_household(household, test=test, on=on)
    data = {
        "test": test,
        "eligible": d.eligible,
        "policy_id": d.policy_id,
        "policy_label": str(d.policy_label),
        "year": getattr(d, "year", None),
        "evaluated_on": on.isoformat(),
        "combining": d.combining,
        "deciding": d.deciding,
        "pending": d.pending,
        "review": d.review,
        "line_source": d.line_source,
        "line_verified": d.line_verified,
        "clauses": [
            {
                "code": c.code,
                "text": str(c.text),
                "outcome": c.outcome,
                "reason": c.reason,
                "kind": c.kind,
                "values": c.values,
                "source": str(c.source),
                "weighed": c.weighed,
            }
            for c in d.clauses
        ],
    }
    snapshot: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return snapshot


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("household").get(pk=case.pk)


def _move_to(case: Case, index: int, today: dt.date) -> None:
    case.step_index = index
    case.step_started_on = today
    case.step_due_on = engine.due_on(P.step_of(case.kind, case.steps[index]), today)


def _step_record(
    case: Case,
    actor: User | None,
    decision: str,
    *,
    evidence: str = "",
    upload: Upload | None = None,
    reason: str = "",
) -> CaseStep:
    rec = CaseStep(
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
    created(actor, rec, area_code=case.household.village_id, reason=reason, related=case)
    return rec


def _case_reason(case: Case) -> str:
    return _("Case %(id)s (%(kind)s)") % {"id": case.pk, "kind": case.get_kind_display()}


# ---------------------------------------------------------------- opening


def _check_openable(household: Household, kind: str) -> None:
    if kind not in P.CaseKind.values:
        raise ValidationFailed({"kind": [_("Unknown kind of case.")]})
    if household.status not in P.OPEN_FROM[kind]:
        raise ValidationFailed(
            {
                "kind": [
                    _("A household with status “%(status)s” cannot have this kind of case.")
                    % {"status": household.get_status_display()}
                ]
            }
        )
    active = Case.objects.filter(household=household, status__in=ACTIVE_STATUSES)
    if P.FINAL_STATUS[kind] is not None:
        # One case at a time that changes the household's status.
        active = active.exclude(kind=P.CaseKind.MEMBER_CHANGE)
    else:
        active = active.filter(kind=kind)
    if active.exists():
        raise ValidationFailed({"kind": [_("The household already has an open case.")]})


def _open(
    *,
    actor: User,
    household: Household,
    kind: str,
    reason: str,
    today: dt.date,
    batch: CaseBatch | None,
    decision: dict[str, Any] | None,
) -> Case:
    steps = [s.code for s in P.procedure_for(kind, household.village_id)]
    case = Case(
        kind=kind,
        household=household,
        village_id=household.village_id,
        status=CaseStatus.OPEN,
        steps=steps,
        year=today.year,
        reason=reason,
        opened_by=actor_account(actor),
        batch=batch,
        decision=decision,
        status_before=household.status,
    )
    _move_to(case, 0, today)
    case.save()
    created(actor, case, area_code=household.village_id, reason=reason, related=household)
    return case


def case_open(
    *,
    actor: User,
    household: Household,
    kind: str,
    reason: str = "",
    today: dt.date | None = None,
) -> Case:
    """Open one case on a household, with the policy decision of the day as its snapshot."""
    today = _today(today)
    require_edit(actor, household.village_id)
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        _check_openable(household, kind)
        decision = decision_snapshot(household, kind, today)
        return _open(
            actor=actor,
            household=household,
            kind=kind,
            reason=reason,
            today=today,
            batch=None,
            decision=decision,
        )


def batch_candidates(village_code: str, kind: str, today: dt.date) -> list[Household]:
    """Who a batch of this kind takes in a village: for exit, every household in poverty
    whose exit test is met; for removal, every household with a confirmed exclusion finding
    from department data; otherwise nobody (open those one by one)."""

    qs = Household.objects.filter(village_id=village_code).order_by("id")
    busy = Case.objects.filter(status__in=ACTIVE_STATUSES).exclude(kind=P.CaseKind.MEMBER_CHANGE)
    qs = qs.exclude(pk__in=busy.values("household_id"))
    if kind == P.CaseKind.EXIT:
        return [h for h in qs.filter(status=HouseholdStatus.POOR)]
    if kind == P.CaseKind.REMOVAL:
        hit = Finding.objects.filter(
            rule__in=list(EXCLUSION_RULES), status=FindingStatus.CONFIRMED
        ).values("household_id")
        return list(qs.filter(status__in=P.OPEN_FROM[kind], pk__in=hit))
    return []


def batch_open(
    *,
    actor: User,
    village_code: str,
    kind: str,
    note: str = "",
    today: dt.date | None = None,
) -> tuple[CaseBatch, list[Case], list[tuple[Household, str]]]:
    """Open the cases of a village's list in one go (e.g. the annual exit list).

    Exit takes only households whose exit test is met (eligible); the others are returned
    as skipped, with the reason. Returns (batch, cases opened, skipped).
    """
    today = _today(today)
    village = Division.objects.filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise ValidationFailed({"village": [_("Choose a village in your area.")]})
    require_edit(actor, village.code)
    if kind not in (P.CaseKind.EXIT, P.CaseKind.REMOVAL):
        raise ValidationFailed({"kind": [_("Batches are for exit and removal cases.")]})
    opened: list[Case] = []
    skipped: list[tuple[Household, str]] = []
    with transaction.atomic():
        batch = CaseBatch.objects.create(
            kind=kind,
            village=village,
            year=today.year,
            opened_by=actor_account(actor),
            note=note,
        )
        created(actor, batch, area_code=village.code, reason=note)
        for h in batch_candidates(village.code, kind, today):
            decision = decision_snapshot(h, kind, today)
            if kind == P.CaseKind.EXIT and not (decision and decision["eligible"] is True):
                skipped.append((h, _("The exit test is not met.")))
                continue
            opened.append(
                _open(
                    actor=actor,
                    household=h,
                    kind=kind,
                    reason=note or str(batch),
                    today=today,
                    batch=batch,
                    decision=decision,
                )
            )
    return batch, opened, skipped


# ---------------------------------------------------------------- steps


def _step_authors(case: Case) -> set[int]:
    """Who opened the case or did one of the steps before the current one (the authors the
    four-eyes rule keeps from reviewing their own work)."""
    ids = set(
        case.records.filter(index__lt=case.step_index, actor__isnull=False).values_list(
            "actor_id", flat=True
        )
    )
    if case.opened_by_id:
        ids.add(case.opened_by_id)
    return ids


def step_refusal(user: User, case: Case, authors: set[int] | None = None) -> DomainError | None:
    """Why the user may not do the case's current step (None: may). Outside the area:
    OutsideArea (404); a closed case: CaseClosed; otherwise NotAllowed (403) with the
    reason: the notice step (nobody), another role's step, or the four-eyes rule
    (`authors`: `_step_authors(case)`, read here when not given)."""
    village = case.household.village_id
    if not user_covers(user, village):
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
            village,
            _step_authors(case) if authors is None else authors,
            what=_("You opened this case or did one of its earlier steps"),
            who=_role_label(step.role),
            action=step.label,
        )
    return None


def may_do_step(user: User, case: Case) -> bool:
    """Whether the user may do the case's current step (pages use this to show the form)."""
    return step_refusal(user, case) is None


def step_do(
    *,
    actor: User,
    case: Case,
    step: str,
    decision: str = StepDecision.DONE,
    evidence: str = "",
    upload: Upload | None = None,
    reason: str = "",
    today: dt.date | None = None,
) -> Case:
    """Do the current step of a case. `step` must be the current step's code."""
    today = _today(today)
    if not user_covers(actor, case.household.village_id):
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
        authors = _step_authors(case) if current.four_eyes else set()
        refusal = step_refusal(actor, case, authors)
        if refusal is not None:
            raise refusal
        note = authority.four_eyes_note(actor, None, case.household.village_id, authors=authors)
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
        with recording(
            actor, case, area_code=case.household.village_id, related=case.household
        ) as rec:
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
                _reject(case, today)
            else:
                _advance(case, actor, today)
            case.save()
            rec.reason = authority.with_note(reason or str(current.label), note)
    return case


def _reject(case: Case, today: dt.date) -> None:
    case.status = CaseStatus.REJECTED
    case.closed_at = timezone.now()
    case.step_due_on = None
    if case.kind in P.WRITTEN_NOTICE_KINDS:
        _issue_written_notice(case, today)


def _issue_written_notice(case: Case, today: dt.date) -> None:
    case.written_notice_on = today
    case.appeal_until = today + dt.timedelta(days=appeal_days_for(case.household.village_id, today))


def _advance(case: Case, actor: User | None, today: dt.date) -> None:
    """Pass the current step: move to the next one, or finish the case."""
    if case.step_index + 1 < len(case.steps):
        _move_to(case, case.step_index + 1, today)
        case.status = CaseStatus.IN_PROGRESS
        return
    case.status = CaseStatus.PASSED
    case.closed_at = timezone.now()
    case.step_due_on = None
    final = P.FINAL_STATUS[case.kind]
    if case.kind == P.CaseKind.REMOVAL:
        _issue_written_notice(case, today)
    if final is not None:
        _set_household_status(case, actor, final, today)
    hook = P.ON_PASSED.get(case.kind)
    if hook:
        hook(case=case, actor=actor, today=today)


def _set_household_status(case: Case, actor: User | None, status: str, today: dt.date) -> None:
    h = Household.objects.select_for_update().get(pk=case.household_id)
    with recording(actor, h, area_code=h.village_id, reason=_case_reason(case)):
        h.status = status
        h.status_year = today.year
        h.updated_at = timezone.now()
        h.save(update_fields=["status", "status_year", "updated_at"])
        case.household = h


# The staff roles by level, for the condition of "case.withdraw": a user may withdraw a
# case only while no one of a higher rank has acted on it (village staff: only their own).
WITHDRAW_RANK: dict[str, int] = {
    Role.VILLAGE_STAFF: 0,
    Role.TOWNSHIP_STATION: 1,
    Role.COUNTY_OFFICE: 2,
}


def withdraw_refusal(user: User, case: Case) -> Exception | None:
    """Why the user may not withdraw the case (None: may): the authority table's
    "case.withdraw" (role, area), then its condition. Village staff only a case they
    opened that no township or county user has acted on (a step record); a township user
    only a case the county has not acted on; the county any active case of its area."""
    village = case.household.village_id
    refusal = authority.refusal(user, "case.withdraw", village)
    if refusal is not None:
        return refusal
    if not case.is_active:
        return CaseClosed(_("The case is closed."))
    rank = WITHDRAW_RANK[user.role]
    if rank == 0 and (user.pk is None or case.opened_by_id != user.pk):
        return NotAllowed(
            _("Village staff may withdraw only a case they opened; ask %(roles)s.")
            % {"roles": _roles_from(1)}
        )
    above = [role for role, r in WITHDRAW_RANK.items() if r > rank]
    acts = [
        (record, record.actor.role)
        for record in case.records.filter(actor__role__in=above).select_related("actor")
        if record.actor is not None  # always: filtered on the actor's role
    ]
    if acts:
        top, top_role = max(acts, key=lambda a: (WITHDRAW_RANK[a[1]], a[0].index, a[0].pk))
        top_rank = WITHDRAW_RANK[top_role]
        return NotAllowed(
            _(
                "%(user)s (%(role)s) has already acted on this case (%(step)s), so only "
                "%(roles)s may withdraw it."
            )
            % {
                "user": top.actor_name,
                "role": _role_label(top_role),
                "step": top.label,
                "roles": _roles_from(top_rank),
            }
        )
    return None


def _roles_from(rank: int) -> str:
    """The staff roles of this rank or above, for a message ("Township station / County
    office")."""
    return " / ".join(_role_label(role) for role, r in WITHDRAW_RANK.items() if r >= rank)


def may_withdraw(user: User, case: Case) -> bool:
    """Whether the user may withdraw the case (pages use this to show the form)."""
    return withdraw_refusal(user, case) is None


def case_close(*, actor: User, case: Case, reason: str) -> Case:
    """Withdraw an active case (e.g. opened by mistake). Needs a reason; who may:
    `withdraw_refusal`."""
    if not user_covers(actor, case.household.village_id):
        raise OutsideArea()
    with transaction.atomic():
        case = _lock(case)
        refusal = withdraw_refusal(actor, case)
        if refusal is not None:
            raise refusal
        if not reason.strip():
            raise ValidationFailed({"reason": [_("Give the reason.")]})
        with recording(
            actor,
            case,
            area_code=case.household.village_id,
            reason=reason.strip(),
            related=case.household,
        ):
            case.status = CaseStatus.CLOSED
            case.closed_at = timezone.now()
            case.step_due_on = None
            case.save()
    return case


# ---------------------------------------------------------------- notices


def _last_record_at(case: Case) -> dt.datetime:
    last = case.records.order_by("-done_at", "-id").first()
    return last.done_at if last else case.opened_at


def _waiting_on(notice: Notice, case: Case) -> bool:
    """Whether the case is at its notice step because of this notice (not returned to it
    since the notice was posted)."""
    step = case.current_step
    return bool(step and step.notice and _last_record_at(case) <= notice.created_at)


def _in_open_notice(case: Case) -> bool:
    return any(_waiting_on(n, case) for n in case.notices.filter(completed_at__isnull=True))


def notice_create(
    *,
    actor: User,
    village_code: str,
    cases: Iterable[Case],
    posted_on: dt.date,
    phone: str,
) -> Notice:
    """Post a public notice for cases of one village that are at their notice step."""
    village = Division.objects.filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise ValidationFailed({"village": [_("Choose a village in your area.")]})
    _require_role(actor, village.code, Role.VILLAGE_STAFF)
    if not phone.strip():
        raise ValidationFailed({"phone": [_("Give the reporting phone.")]})
    with transaction.atomic():
        locked = [_lock(c) for c in cases]
        if not locked:
            raise ValidationFailed({"cases": [_("Choose at least one case.")]})
        for c in locked:
            step = c.current_step
            if c.household.village_id != village.code or step is None or not step.notice:
                raise ValidationFailed(
                    {"cases": [_("Case %(id)s is not at the notice step here.") % {"id": c.pk}]}
                )
            if _in_open_notice(c):
                raise ValidationFailed(
                    {"cases": [_("Case %(id)s is already on a notice.") % {"id": c.pk}]}
                )
        days = notice_days_for(village.code, posted_on)
        notice = Notice.objects.create(
            village=village,
            posted_on=posted_on,
            days=days,
            ends_on=posted_on + dt.timedelta(days=days - 1),
            phone=phone.strip(),
            posted_by=actor,
        )
        notice.cases.set(locked)
        created(actor, notice, area_code=village.code)
        for c in locked:
            with recording(
                actor,
                c,
                area_code=village.code,
                reason=_("Public notice %(id)s posted") % {"id": notice.pk},
                related=c.household,
            ):
                c.status = CaseStatus.IN_PROGRESS
                c.step_due_on = notice.ends_on + dt.timedelta(days=1)
                c.save()
    return notice


def blocked_case_ids(notice: Notice) -> set[int]:
    return set(
        Objection.objects.filter(notice=notice, status=ObjectionStatus.OPEN).values_list(
            "cases__id", flat=True
        )
    )


def objection_add(
    *,
    actor: User,
    notice: Notice,
    cases: Iterable[Case],
    text: str,
    received_on: dt.date,
    reporter: str = "",
    reporter_phone: str = "",
) -> Objection:
    """Record an objection during the notice period. Any staff member who can read the
    village may record one (from the hotline, the box, a visit)."""
    if not user_covers(actor, notice.village_id):
        raise OutsideArea()
    if not actor.can(Capability.VIEW_REGISTRY):
        raise NotAllowed()
    cases = list(cases)
    names = {c.pk for c in notice.cases.all()}
    errors: dict[str, list[str]] = {}
    if not cases or any(c.pk not in names for c in cases):
        errors["cases"] = [_("Choose cases of this notice.")]
    if not text.strip():
        errors["text"] = [_("Write the objection.")]
    if not (notice.posted_on <= received_on <= notice.ends_on):
        errors["received_on"] = [_("Objections are received during the notice period.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        obj = Objection.objects.create(
            notice=notice,
            text=text.strip(),
            reporter=reporter.strip(),
            reporter_phone=reporter_phone.strip(),
            received_on=received_on,
            recorded_by=actor,
        )
        obj.cases.set(cases)
        created(actor, obj, area_code=notice.village_id, related=notice)
    return obj


def objection_add_public(
    *,
    notice: Notice,
    cases: Iterable[Case],
    text: str,
    reporter: str = "",
    reporter_phone: str = "",
    today: dt.date | None = None,
) -> Objection:
    """An objection from anyone, through the public page of a notice (no login): the
    notice is public by nature (it hangs on the village board), so is the right to object.
    Recorded like a staff-recorded one, with "public" as who."""
    today = _today(today)
    cases = list(cases)
    names = {c.pk for c in notice.cases.all()}
    errors: dict[str, list[str]] = {}
    if not cases or any(c.pk not in names for c in cases):
        errors["cases"] = [_("Choose cases of this notice.")]
    if not text.strip():
        errors["text"] = [_("Write the objection.")]
    if not (notice.posted_on <= today <= notice.ends_on):
        errors["text"] = [_("Objections are received during the notice period.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        obj = Objection.objects.create(
            notice=notice,
            text=text.strip()[:4000],
            reporter=reporter.strip()[:100],
            reporter_phone=reporter_phone.strip()[:30],
            received_on=today,
            recorded_by=None,
        )
        obj.cases.set(cases)
        created(
            PUBLIC,
            obj,
            area_code=notice.village_id,
            reason=_("Objection through the public notice page"),
            related=notice,
        )
    return obj


def objection_resolve(
    *,
    actor: User,
    objection: Objection,
    upheld: bool,
    resolution: str,
    today: dt.date | None = None,
) -> Objection:
    """Township or county verifies an objection (authority "objection.resolve"). Upheld:
    the cases it names go back to the step before the notice; dismissed: they are no
    longer blocked."""
    today = _today(today)
    notice = objection.notice
    authority.require(actor, "objection.resolve", notice.village_id)
    if not resolution.strip():
        raise ValidationFailed({"resolution": [_("Give the reason.")]})
    with transaction.atomic():
        obj = Objection.objects.select_for_update().get(pk=objection.pk)
        if obj.status != ObjectionStatus.OPEN:
            raise ValidationFailed({"resolution": [_("The objection is already resolved.")]})
        with recording(actor, obj, area_code=notice.village_id, related=notice) as rec:
            obj.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
            obj.resolution = resolution.strip()
            obj.resolved_by = actor
            obj.resolved_at = timezone.now()
            obj.save()
            rec.reason = obj.resolution
        if upheld:
            for c in obj.cases.all():
                c = _lock(c)
                if not _waiting_on(notice, c):
                    continue
                with recording(
                    actor,
                    c,
                    area_code=notice.village_id,
                    reason=obj.resolution,
                    related=c.household,
                ):
                    _step_record(c, actor, StepDecision.RETURN, reason=obj.resolution)
                    _move_to(c, c.step_index - 1, today)
                    c.status = CaseStatus.RETURNED
                    c.save()
    return obj


def advance_expired_notices(today: dt.date | None = None) -> int:
    """Move on every case whose notice period ended before `today` and that no open
    objection blocks. Meant to run daily (`fupin cases advance-notices`). Returns how many
    cases moved on."""
    today = _today(today)
    moved = 0
    notices = Notice.objects.filter(ends_on__lt=today, completed_at__isnull=True).order_by("id")
    for notice in notices:
        with transaction.atomic():
            blocked = blocked_case_ids(notice)
            waiting = 0
            for c in notice.cases.order_by("id"):
                c = _lock(c)
                if not _waiting_on(notice, c):
                    continue
                if c.pk in blocked:
                    waiting += 1
                    continue
                with recording(
                    None,
                    c,
                    area_code=notice.village_id,
                    reason=_("Notice period ended"),
                    related=c.household,
                ):
                    _step_record(
                        c,
                        None,
                        StepDecision.NOTICE_ENDED,
                        evidence=_("Public notice %(id)s, %(start)s to %(end)s, without objection.")
                        % {"id": notice.pk, "start": notice.posted_on, "end": notice.ends_on},
                    )
                    _advance(c, None, today)
                    c.save()
                moved += 1
            if not waiting:
                with recording(None, notice, area_code=notice.village_id):
                    notice.completed_at = timezone.now()
                    notice.save(update_fields=["completed_at"])
    return moved


# ---------------------------------------------------------------- appeals


def appeal_file(
    *,
    actor: User,
    case: Case,
    appellant: str,
    grounds: str,
    filed_on: dt.date | None = None,
) -> Appeal:
    """Record a household's appeal against its written notice. The first appeal goes to
    the township, a second (after a dismissal) to the county."""
    filed_on = _today(filed_on)
    require_edit(actor, case.household.village_id)
    errors: dict[str, list[str]] = {}
    if not appellant.strip():
        errors["appellant"] = [_("Name the appellant.")]
    if not grounds.strip():
        errors["grounds"] = [_("Give the grounds of the appeal.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        case = _lock(case)
        if case.written_notice_on is None or case.is_active:
            raise ValidationFailed({"grounds": [_("Only a written notice can be appealed.")]})
        prior = list(case.appeals.order_by("id"))
        if any(a.status == AppealStatus.OPEN for a in prior):
            raise ValidationFailed({"grounds": [_("An appeal is already open.")]})
        decided = [a for a in prior if a.status == AppealStatus.DISMISSED]
        if prior and len(decided) != len(prior):
            raise ValidationFailed({"grounds": [_("Only a written notice can be appealed.")]})
        if len(prior) >= len(P.APPEAL_LEVELS):
            raise ValidationFailed({"grounds": [_("No further appeal is possible.")]})
        until = case.appeal_until
        if prior:
            decided_at = prior[-1].decided_at
            assert decided_at is not None  # every earlier appeal was dismissed, so decided
            # The local day: a dismissal before 08:00 in China is the day before in UTC.
            last = timezone.localdate(decided_at)
            until = last + dt.timedelta(days=appeal_days_for(case.household.village_id, last))
        if until and filed_on > until:
            raise ValidationFailed(
                {"grounds": [_("The appeal period ended on %(date)s.") % {"date": until}]}
            )
        appeal = Appeal.objects.create(
            case=case,
            level=P.APPEAL_LEVELS[len(prior)],
            filed_on=filed_on,
            appellant=appellant.strip(),
            grounds=grounds.strip(),
            due_on=filed_on + dt.timedelta(days=P.APPEAL_DECISION_DAYS),
            recorded_by=actor,
        )
        created(
            actor,
            appeal,
            area_code=case.household.village_id,
            reason=appeal.grounds,
            related=case,
        )
    return appeal


def may_resolve_objections(user: User, notice: Notice) -> bool:
    """Whether the user may resolve the objections to this notice (pages show the form)."""
    return authority.may(user, "objection.resolve", notice.village_id)


def may_decide_appeal(user: User, appeal: Appeal) -> bool:
    """Whether the user is of the level the appeal went to, in its area."""
    return user_covers(user, appeal.case.household.village_id) and (
        user.may_edit and user.role == appeal.level
    )


def appeal_decide(
    *,
    actor: User,
    appeal: Appeal,
    upheld: bool,
    outcome: str,
    today: dt.date | None = None,
) -> Appeal:
    """The level appealed to decides. Upheld: the case's last review is opened again (a
    removed household gets its former status back until that review decides anew).
    Dismissed: the decision stands; one more appeal, to the next level, is possible."""
    today = _today(today)
    _require_role(actor, appeal.case.household.village_id, appeal.level)
    if not outcome.strip():
        raise ValidationFailed({"outcome": [_("Give the reason.")]})
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.status != AppealStatus.OPEN:
            raise ValidationFailed({"outcome": [_("The appeal is already decided.")]})
        case = _lock(appeal.case)
        with recording(actor, appeal, area_code=case.household.village_id, related=case) as rec:
            appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED
            appeal.outcome = outcome.strip()
            appeal.decided_by = actor
            appeal.decided_at = timezone.now()
            appeal.save()
            rec.reason = appeal.outcome
        if upheld:
            with recording(
                actor,
                case,
                area_code=case.household.village_id,
                reason=_("Appeal %(id)s upheld: %(outcome)s")
                % {"id": appeal.pk, "outcome": appeal.outcome},
                related=case.household,
            ):
                last_review = max(
                    i for i, code in enumerate(case.steps) if P.step_of(case.kind, code).review
                )
                if case.status == CaseStatus.PASSED and P.FINAL_STATUS[case.kind] is not None:
                    _set_household_status(case, actor, case.status_before, today)
                _move_to(case, last_review, today)
                case.status = CaseStatus.IN_PROGRESS
                case.closed_at = None
                case.written_notice_on = None
                case.appeal_until = None
                case.save()
    return appeal


def follow_households(household_ids: list[int]) -> None:
    """The cases of households that moved village take their new village (`Case.village`,
    registered with registry.hooks): set-based, in the transaction of the move."""
    for start in range(0, len(household_ids), FOLLOW_BATCH):
        Case.objects.filter(household_id__in=household_ids[start : start + FOLLOW_BATCH]).update(
            village_id=Subquery(
                Household.objects.filter(pk=OuterRef("household_id")).values("village_id")[:1]
            )
        )


# Households per statement when cases follow their households (an import may move many).
FOLLOW_BATCH = 5000
