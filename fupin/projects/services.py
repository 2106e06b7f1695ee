"""Writes of the project library (项目库). Each service checks capability and area, runs
in one transaction and records its changes (fupin.core.history) in that transaction.

Lifecycle (each step signed: who, when, evidence, reason — like cases):

    proposed ──review──▶ reviewed ──approve──▶ approved ──start──▶ in progress
        │                  │  │                                        │
        └──reject──▶ rejected ◀┘ └──return──▶ proposed               accept (验收)
                                                                       ▼
                                          disclosed ◀──disclose── accepted

Who may take each step is not decided here but in the authority table
(`fupin.accounts.authority`, codes "project.propose" and "project.<action>"; a rejection
after the township's review is "project.reject_reviewed", the county's alone). The
four-eyes rule: the proposer may not review, approve or accept; the reviewer may not
approve; the user who started the work may not accept (`authors_of`).

- approval needs a committed budget (budget lines, see fupin.funds.services);
- acceptance needs evidence (text or a file); return and reject need a reason;
- rejection releases the project's budget back to its allocations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.core.errors import DomainError, OutsideArea, ValidationFailed
from fupin.core.files import Upload, accept_upload
from fupin.core.history import created, recording
from fupin.core.models import actor_account
from fupin.core.scope import user_covers
from fupin.funds.services import money, release_budget
from fupin.geo.models import PREFIX_LENGTH, Division, Level
from fupin.projects.models import (
    Beneficiary,
    Project,
    ProjectState,
    ProjectStep,
    ProjectType,
)
from fupin.registry.models import Household

S = ProjectState
EDIT_FIELDS = (
    "name",
    "type",
    "year",
    "description",
    "responsible_unit",
    "budget_requested",
    "starts_on",
    "ends_on",
)


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


@dataclass(frozen=True)
class Action:
    code: str
    label: object
    sources: tuple[str, ...]
    target: str
    needs_reason: bool = False
    needs_evidence: bool = False


ACTIONS: dict[str, Action] = {
    a.code: a
    for a in (
        Action(
            "review",
            gettext_lazy("Review (township)"),
            (S.PROPOSED,),
            S.REVIEWED,
        ),
        Action(
            "approve",
            gettext_lazy("Approve (county)"),
            (S.REVIEWED,),
            S.APPROVED,
        ),
        Action(
            "return",
            gettext_lazy("Return for revision"),
            (S.REVIEWED,),
            S.PROPOSED,
            needs_reason=True,
        ),
        Action(
            "start",
            gettext_lazy("Start work"),
            (S.APPROVED,),
            S.IN_PROGRESS,
        ),
        Action(
            "accept",
            gettext_lazy("Accept (验收)"),
            (S.IN_PROGRESS,),
            S.ACCEPTED,
            needs_evidence=True,
        ),
        Action(
            "disclose",
            gettext_lazy("Disclose to the public"),
            (S.ACCEPTED,),
            S.DISCLOSED,
        ),
        Action(
            "reject",
            gettext_lazy("Reject"),
            (S.PROPOSED, S.REVIEWED),
            S.REJECTED,
            needs_reason=True,
        ),
    )
}


# Whose earlier steps bar a user from this one (the four-eyes rule): the proposer may
# not review, approve or accept; the reviewer may not approve; the starter may not accept.
FOUR_EYES_AUTHORS: dict[str, tuple[str, ...]] = {
    "review": ("propose",),
    "approve": ("propose", "review"),
    "accept": ("propose", "start"),
}


def authority_code(action: Action, project: Project) -> str:
    """The authority table's code for taking `action` on the project now."""
    if action.code == "reject" and project.state == S.REVIEWED:
        return "project.reject_reviewed"  # once reviewed, only the county turns it down
    return f"project.{action.code}"


def authors_of(project: Project, action: Action) -> list[int]:
    """The users whose earlier steps on the project bar them from `action`: for each
    step named in FOUR_EYES_AUTHORS, the user who last took it (and the proposer)."""
    steps = FOUR_EYES_AUTHORS.get(action.code, ())
    if not steps:
        return []
    ids: set[int] = set()
    if "propose" in steps and project.proposed_by_id:
        ids.add(project.proposed_by_id)
    # One query for all the steps named: oldest first, so the last actor of each wins.
    last: dict[str, int] = dict(
        project.steps.filter(action__in=steps, actor__isnull=False)
        .order_by("done_at", "id")
        .values_list("action", "actor_id")
    )
    ids.update(last.values())
    return sorted(ids)


def _may(user: User, project: Project, action: Action) -> bool:
    return authority.may(
        user,
        authority_code(action, project),
        project.area_id,
        authors=authors_of(project, action),
    )


def available_actions(user: User, project: Project) -> list[Action]:
    """The actions the user may take on the project now (pages show only these)."""
    if not user_covers(user, project.area_id):
        return []
    return [a for a in ACTIONS.values() if project.state in a.sources and _may(user, project, a)]


def may_propose(user: User, area_code: str | None = None) -> bool:
    if area_code is None:
        area_code = getattr(user, "area_id", None) or ""
    return authority.may(user, "project.propose", area_code)


def may_edit(user: User, project: Project) -> bool:
    return project.state == S.PROPOSED and may_propose(user, project.area_id)


def may_edit_beneficiaries(user: User, project: Project) -> bool:
    return project.state in (S.PROPOSED, S.REVIEWED, S.APPROVED, S.IN_PROGRESS) and may_propose(
        user, project.area_id
    )


def _require(actor: User, area_code: str) -> None:
    authority.require(actor, "project.propose", area_code)


def common_area(villages: list[Division]) -> Division:
    """The smallest division holding every village: the village, its township or the
    county (or higher) — a project's area."""
    codes = [v.code for v in villages]
    for level in (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY, Level.PREFECTURE, Level.PROVINCE):
        n = PREFIX_LENGTH[level]
        if len({c[:n] for c in codes}) == 1:
            return Division.objects.get(code=codes[0][:n].ljust(12, "0"))
    raise ValidationFailed({"villages": [_("The villages must be in one province.")]})


def _villages(actor: User, codes: list[str]) -> list[Division]:
    codes = sorted(set(codes or []))
    if not codes:
        raise ValidationFailed({"villages": [_("Choose at least one village.")]})
    found = list(Division.objects.filter(code__in=codes, level=Level.VILLAGE))
    if len(found) != len(codes):
        raise ValidationFailed({"villages": [_("Choose villages from the list.")]})
    for v in found:
        if not user_covers(actor, v.code):
            raise ValidationFailed({"villages": [_("Choose villages in your area.")]})
    return found


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: data[k] for k in EDIT_FIELDS if k in data}
    errors: dict[str, list[Any]] = {}
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            errors["name"] = [_("Give the project's name.")]
    if "type" in out and out["type"] not in ProjectType.values:
        errors["type"] = [_("Choose a type of project.")]
    if "responsible_unit" in out:
        out["responsible_unit"] = (out["responsible_unit"] or "").strip()
        if not out["responsible_unit"]:
            errors["responsible_unit"] = [_("Give the responsible unit.")]
    if "year" in out and not (2013 <= int(out["year"] or 0) <= 2100):
        errors["year"] = [_("Enter a year between 2013 and 2100.")]
    if "budget_requested" in out:
        try:
            out["budget_requested"] = money(
                out["budget_requested"], "budget_requested", positive=False
            )
        except ValidationFailed as exc:
            errors.update(exc.errors)
    starts, ends = out.get("starts_on"), out.get("ends_on")
    if starts and ends and ends < starts:
        errors["ends_on"] = [_("The scheduled end is before the start.")]
    if errors:
        raise ValidationFailed(errors)
    return out


def project_create(
    *, actor: User, data: dict[str, Any], village_codes: list[str], reason: str = ""
) -> Project:
    """Propose a project (state "proposed") in the actor's area."""
    authority.require(actor, "project.propose", getattr(actor, "area_id", None) or "")
    missing = [f for f in EDIT_FIELDS if f not in data and f != "description"]
    if missing:
        raise ValidationFailed({f: [_("This field is required.")] for f in missing})
    values = _clean(data)
    villages = _villages(actor, village_codes)
    area = common_area(villages)
    authority.require(actor, "project.propose", area.code)
    with transaction.atomic():
        project = Project.objects.create(
            **values,
            area=area,
            state=S.PROPOSED,
            proposed_by=actor_account(actor),
        )
        project.villages.set(villages)
        created(actor, project, area_code=area.code, reason=reason)
        step = ProjectStep(
            project=project,
            action="propose",
            from_state=S.PROPOSED,
            to_state=S.PROPOSED,
            evidence=reason,
        )
        step.sign(actor)
        step.save()
    return project


def project_update(
    *,
    actor: User,
    project: Project,
    data: dict[str, Any],
    village_codes: list[str] | None = None,
    reason: str = "",
) -> Project:
    """Edit a proposed project (after review it is frozen; a return reopens it)."""
    _require(actor, project.area_id)
    values = _clean(data)
    villages = _villages(actor, village_codes) if village_codes is not None else None
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.state != S.PROPOSED:
            raise InvalidTransition(_("Only a proposed project can be edited."))
        with recording(actor, project, reason=reason) as rec:
            before = rec.before  # the villages are recorded with the project
            assert before is not None  # the project is saved: its state before was taken
            before["villages"] = sorted(project.villages.values_list("code", flat=True))
            for k, v in values.items():
                setattr(project, k, v)
            if project.ends_on < project.starts_on:
                raise ValidationFailed({"ends_on": [_("The scheduled end is before the start.")]})
            if villages is not None:
                project.area = common_area(villages)
                if project.budget_lines.exists() and project.area_id != before["area_id"]:
                    raise ValidationFailed(
                        {"villages": [_("Remove the budget lines before moving the project.")]}
                    )
                project.villages.set(villages)
                codes = {v.code for v in villages}
                note = _("its village is no longer one of the project's villages")
                _remove_beneficiaries(
                    actor,
                    project,
                    project.beneficiary_set.exclude(household__village_id__in=codes),
                    f"{reason} ({note})" if reason else note,
                )
            project.save()
            rec.area_code = project.area_id  # the area after the change
        if rec.record is not None and villages is not None:
            after = sorted(v.code for v in villages)
            if after != before["villages"]:
                rec.record.changes["villages"] = [before["villages"], after]
                rec.record.save(update_fields=["changes"])
    return project


def _remove_beneficiaries(
    actor: User, project: Project, links: Iterable[Beneficiary], reason: str
) -> None:
    """Remove beneficiary links, each with its change record (who, when, the household
    in the state before, why), under the project, in the caller's transaction."""
    for b in links:
        with recording(actor, b, area_code=project.area_id, reason=reason, related=project):
            b.delete()


def beneficiaries_set(
    *, actor: User, project: Project, household_ids: list[int], reason: str = ""
) -> list[Beneficiary]:
    """Set the expected beneficiary households: households of the registry in the
    project's villages and in the actor's area. Each added or removed link is recorded."""
    _require(actor, project.area_id)
    wanted = set(int(i) for i in household_ids)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.state not in (S.PROPOSED, S.REVIEWED, S.APPROVED, S.IN_PROGRESS):
            raise InvalidTransition(
                _("The beneficiaries of a project in state “%(state)s” are fixed.")
                % {"state": project.get_state_display()}
            )
        village_codes = set(project.villages.values_list("code", flat=True))
        found = {
            h.pk: h
            for h in Household.objects.restrict(actor).filter(
                pk__in=wanted, village_id__in=village_codes
            )
        }
        if set(found) != wanted:
            raise ValidationFailed(
                {"households": [_("Choose households of the project's villages in your area.")]}
            )
        existing = {b.household_id: b for b in project.beneficiary_set.all()}
        _remove_beneficiaries(
            actor, project, [b for hid, b in existing.items() if hid not in wanted], reason
        )
        for hid in sorted(wanted - set(existing)):
            b = Beneficiary.objects.create(project=project, household=found[hid])
            created(actor, b, area_code=project.area_id, reason=reason, related=project)
    return list(project.beneficiary_set.select_related("household"))


def transition(
    *,
    actor: User,
    project: Project,
    action: str,
    evidence: str = "",
    upload: Upload | None = None,
    reason: str = "",
    when: dt.datetime | None = None,
) -> Project:
    """Move a project one step along its lifecycle, signed by the actor."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise InvalidTransition(_("Unknown action."))
    if not user_covers(actor, project.area_id):
        raise OutsideArea()
    upload = accept_upload(upload)
    evidence, reason = (evidence or "").strip(), (reason or "").strip()
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.state not in spec.sources:
            raise InvalidTransition(
                _("A project in state “%(state)s” cannot go to “%(action)s”.")
                % {"state": project.get_state_display(), "action": spec.label}
            )
        note = authority.require(
            actor,
            authority_code(spec, project),
            project.area_id,
            authors=authors_of(project, spec),
        )
        if spec.needs_reason and not reason:
            raise ValidationFailed({"reason": [_("Give the reason.")]})
        if spec.needs_evidence and not (evidence or upload):
            raise ValidationFailed(
                {"evidence": [_("Acceptance needs evidence: the acceptance report or a file.")]}
            )
        if spec.code == "approve":
            budget = project.budget_lines.aggregate(t=Sum("amount"))["t"] or 0
            if budget <= 0:
                raise ValidationFailed(
                    {
                        NON_FIELD_ERRORS: [
                            _("Commit the budget from fund allocations before approval.")
                        ]
                    }
                )
        reason = authority.with_note(reason, note)
        if spec.code == "reject":
            release_budget(actor=actor, project=project, reason=reason)
        now = when or timezone.now()
        step = ProjectStep(
            project=project,
            action=spec.code,
            from_state=project.state,
            to_state=spec.target,
            done_at=now,
            evidence=evidence,
            reason=reason,
        )
        step.sign(actor)
        step.attach(upload)
        step.save()
        created(actor, step, area_code=project.area_id, reason=reason, related=project)
        with recording(actor, project, area_code=project.area_id, reason=reason or str(spec.label)):
            project.state = spec.target
            project.state_changed_at = now
            project.save(update_fields=["state", "state_changed_at"])
    return project
