"""Writes of assistance: one transaction each, keyword-only, every change recorded."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.accounts.roles import Capability, has_capability
from fupin.assistance import assign, due
from fupin.assistance import choices as c
from fupin.assistance.models import (
    AssistancePolicy,
    Cadre,
    DirectoryEntry,
    HouseholdPlan,
    Measure,
    Pairing,
    TeamMembership,
    VillagePlan,
    Visit,
    WorkTeam,
)
from fupin.assistance.selectors import policy_for, propose
from fupin.core.errors import DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.files import IMAGE_TYPES, Upload, accept_upload
from fupin.core.history import created, recording
from fupin.core.models import actor_account
from fupin.core.scope import require_edit, require_household, user_covers
from fupin.registry.models import Household

# A transition period after exit longer than this is a typing error, not a policy.
MAX_TRANSITION_YEARS = 20


class PairingLimitExceeded(DomainError):
    code = "pairing_limit"
    status = 409


class HandOverIncomplete(DomainError):
    code = "hand_over_incomplete"
    status = 409


def _check(actor: User | None, area_code: str) -> None:
    """None is the system (a command run without --user); otherwise an editor in scope."""
    if actor is not None:
        require_edit(actor, area_code)


# Cadres and teams -------------------------------------------------------------------


@transaction.atomic
def cadre_create(*, actor: User | None, data: dict[str, Any], reason: str = "") -> Cadre:
    cadre = Cadre(**data)
    _check(actor, cadre.home_area_id)
    cadre.full_clean()
    cadre.save()
    created(actor, cadre, reason=reason)
    return cadre


@transaction.atomic
def work_team_create(
    *,
    actor: User | None,
    unit: str,
    village_code: str,
    members: list[Cadre],
    leader: Cadre | None = None,
    first_secretary: Cadre | None = None,
    started_on: dt.date | None = None,
) -> WorkTeam:
    """A team stationed in the village, its members' terms starting on `started_on`
    (today if not given), each through `membership_add` (one team a cadre at a time)."""
    _check(actor, village_code)
    start = started_on or dt.date.today()
    team = WorkTeam.objects.create(unit=unit, village_id=village_code, started_on=start)
    created(actor, team, area_code=village_code)
    everyone = list(dict.fromkeys([*members, *(m for m in (leader, first_secretary) if m)]))
    for cadre in everyone:
        membership_add(
            actor=actor,
            team=team,
            cadre=cadre,
            start_date=start,
            is_leader=leader is not None and cadre.pk == leader.pk,
            is_first_secretary=first_secretary is not None and cadre.pk == first_secretary.pk,
        )
    return team


def _role_taken(
    team: WorkTeam, field: str, start: dt.date, end: dt.date | None
) -> TeamMembership | None:
    qs = TeamMembership.objects.filter(team=team, **{field: True}).overlapping(start, end)
    return qs.select_related("cadre").first()


@transaction.atomic
def membership_add(
    *,
    actor: User | None,
    team: WorkTeam,
    cadre: Cadre,
    start_date: dt.date,
    unit: str = "",
    unit_level: str = "",
    is_leader: bool = False,
    is_first_secretary: bool = False,
    reason: str = "",
) -> TeamMembership:
    """A cadre joins a team from `start_date` (sending unit: the cadre's own unless
    given). Refused if the cadre is on any team (this or another) on a day of the new
    term, or if the team already has a leader or first secretary then."""
    _check(actor, team.village_id)
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    if not cadre.active:
        raise DomainError(_("%(cadre)s has left.") % {"cadre": cadre.name}, field="cadre")
    if unit_level and unit_level not in c.UnitLevel.values:
        raise DomainError(_("Unknown affiliation of the unit."), field="unit_level")
    other = (
        TeamMembership.objects.filter(cadre=cadre)
        .overlapping(start_date, None)
        .select_related("team__village")
        .first()
    )
    if other is not None:
        raise DomainError(
            _(
                "%(cadre)s is on the work team in %(village)s from %(start)s: a cadre is on "
                "one team at a time (end that term first)."
            )
            % {
                "cadre": cadre.name,
                "village": other.team.village.name,
                "start": other.start_date.isoformat(),
            },
            field="cadre",
        )
    roles = (
        ("is_leader", is_leader, _("team leader")),
        ("is_first_secretary", is_first_secretary, _("first secretary")),
    )
    for field, wanted, label in roles:
        taken = _role_taken(team, field, start_date, None) if wanted else None
        if taken is not None:
            raise DomainError(
                _("The team already has a %(role)s then: %(cadre)s (end that term first).")
                % {"role": label, "cadre": taken.cadre.name},
                field=field,
            )
    membership = TeamMembership(
        team=team,
        cadre=cadre,
        unit=(unit or cadre.unit)[:100],
        unit_level=unit_level,
        is_leader=is_leader,
        is_first_secretary=is_first_secretary,
        start_date=start_date,
    )
    membership.full_clean()
    membership.save()
    created(actor, membership, area_code=team.village_id, reason=reason, related=team)
    return membership


@transaction.atomic
def membership_end(
    *, actor: User | None, membership: TeamMembership, date: dt.date, reason: str
) -> TeamMembership:
    """A member leaves the team on `date` (their last day), with the reason (rotation,
    recall, promotion …); a term already ended is not ended again."""
    team = membership.team
    _check(actor, team.village_id)
    membership = TeamMembership.objects.select_for_update().get(pk=membership.pk)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason for ending the term.")]})
    if membership.end_date is not None:
        raise DomainError(_("This term has already ended."), field="date")
    if date < membership.start_date:
        raise DomainError(_("A term cannot end before it starts."), field="date")
    with recording(actor, membership, area_code=team.village_id, reason=reason, related=team):
        membership.end_date = date
        membership.end_reason = reason.strip()[:200]
        membership.save(update_fields=["end_date", "end_reason"])
    return membership


# Pairings ---------------------------------------------------------------------------


def current_counts(cadre: Cadre) -> Counter[str]:
    return Counter(Pairing.objects.current().filter(cadre=cadre).values_list("kind", flat=True))


def check_limits(cadre: Cadre, kind: str, counts: Counter[str] | None = None) -> None:
    """Raise PairingLimitExceeded, naming the limit, if `cadre` may not take one more
    household of `kind`."""
    policy = policy_for(cadre.home_area_id)
    counts = current_counts(cadre) if counts is None else counts
    total = sum(counts.values())
    if total >= policy.max_households:
        raise PairingLimitExceeded(
            _(
                "%(cadre)s already has %(count)s households: the limit is %(limit)s "
                "households per cadre."
            )
            % {"cadre": cadre.name, "count": total, "limit": policy.max_households},
            field="cadre",
        )
    quota = policy.quota(cadre.rank)
    if quota is not None and counts.get(kind, 0) >= quota[kind]:
        raise PairingLimitExceeded(
            _(
                "%(cadre)s already has %(count)s %(kind)s: a %(rank)s takes at most "
                "%(limit)s %(kind)s."
            )
            % {
                "cadre": cadre.name,
                "count": counts.get(kind, 0),
                "kind": c.PairingKind(kind).label,
                "rank": c.Rank(cadre.rank).label,
                "limit": quota[kind],
            },
            field="kind",
        )


@transaction.atomic
def pairing_create(
    *,
    actor: User | None,
    cadre: Cadre,
    household: Household,
    kind: str,
    start_date: dt.date,
    reason: str = "",
) -> Pairing:
    _check(actor, household.village_id)
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    if not cadre.active:
        raise DomainError(_("%(cadre)s has left.") % {"cadre": cadre.name}, field="cadre")
    if kind not in c.PairingKind.values:
        raise DomainError(_("Unknown pairing type."), field="kind")
    if Pairing.objects.current().filter(cadre=cadre, household=household).exists():
        raise DomainError(
            _("%(cadre)s is already paired with this household.") % {"cadre": cadre.name},
            field="cadre",
        )
    check_limits(cadre, kind)
    pairing = Pairing.objects.create(
        cadre=cadre, household=household, kind=kind, start_date=start_date
    )
    created(actor, pairing, area_code=household.village_id, reason=reason, related=household)
    return pairing


@transaction.atomic
def pairing_end(*, actor: User | None, pairing: Pairing, date: dt.date, reason: str) -> Pairing:
    _check(actor, pairing.household.village_id)
    with recording(actor, pairing, reason=reason, related=pairing.household):
        pairing.end_date = date
        pairing.end_reason = reason[:200]
        pairing.save(update_fields=["end_date", "end_reason"])
    return pairing


@transaction.atomic
def apply_proposal(
    *, actor: User | None, proposal: assign.Proposal, start_date: dt.date, reason: str = ""
) -> list[Pairing]:
    """Create the proposed pairings, each through pairing_create (limits re-checked)."""
    households = Household.objects.in_bulk([p[0] for p in proposal.pairs])
    cadres = Cadre.objects.in_bulk([p[1] for p in proposal.pairs])
    return [
        pairing_create(
            actor=actor,
            cadre=cadres[cid],
            household=households[hid],
            kind=kind,
            start_date=start_date,
            reason=reason or "assignment",
        )
        for hid, cid, kind, _cost in proposal.pairs
    ]


@transaction.atomic
def cadre_leave(
    *, actor: User | None, cadre: Cadre, date: dt.date, reason: str, successor: Cadre | None = None
) -> list[Pairing]:
    """The cadre leaves: their pairings end, and each household still due assistance on
    the date (`due`) is paired again, with the successor as far as the successor's limits
    allow, the rest by the assignment. If any such household would be left without a
    cadre, nothing is changed. A household no longer due (exited beyond its transition
    period) is not paired again: its pairing ends with the cadre's departure."""

    _check(actor, cadre.home_area_id)
    with recording(actor, cadre, reason=reason):
        cadre.active = False
        cadre.left_on = date
        cadre.save(update_fields=["active", "left_on"])
    for term in TeamMembership.objects.filter(cadre=cadre, end_date__isnull=True):
        membership_end(actor=actor, membership=term, date=max(date, term.start_date), reason=reason)
    ended = list(Pairing.objects.current().filter(cadre=cadre).select_related("household"))
    for p in ended:
        pairing_end(actor=actor, pairing=p, date=date, reason=reason)
    created: list[Pairing] = []
    rest = []
    # Which households still have another cadre, and which are still due assistance on
    # the date (`due.due_q`, the queryset form of the rule): two queries, however many.
    ids = [p.household_id for p in ended]
    paired = set(
        Pairing.objects.current()
        .filter(household_id__in=ids)
        .values_list("household_id", flat=True)
    )
    still_due = set(
        Household.objects.filter(due.due_q(date, due.periods()), pk__in=ids).values_list(
            "pk", flat=True
        )
    )
    for p in ended:
        if p.household_id in paired or p.household_id not in still_due:
            continue
        paired.add(p.household_id)  # paired again below (a second pairing of it: skipped)
        if successor is not None:
            try:
                created.append(
                    pairing_create(
                        actor=actor,
                        cadre=successor,
                        household=p.household,
                        kind=p.kind,
                        start_date=date,
                        reason=reason,
                    )
                )
                continue
            except PairingLimitExceeded:
                pass
        rest.append(p.household)
    if rest:
        proposal = propose(households=rest)
        if proposal.uncovered:
            numbers = ", ".join(h.number for h in rest if h.pk in set(proposal.uncovered))
            raise HandOverIncomplete(
                _("No cadre with room is left for these households: %(numbers)s.")
                % {"numbers": numbers}
            )
        created += apply_proposal(actor=actor, proposal=proposal, start_date=date, reason=reason)
    return created


# Visits, plans, measures, directory ------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    actor: User,
    cadre: Cadre,
    household: Household,
    date: dt.date,
    purpose: str,
    notes: str = "",
    photo: Upload | None = None,
) -> Visit:
    """A visit by a cadre paired with the household on that date. Recorded by village or
    township staff in scope, or by the cadre themself (their linked user)."""
    require_household(actor, household)  # a paired cadre: only its own households (404)
    own = actor is not None and cadre.user_id is not None and cadre.user_id == actor.pk
    if actor is not None and not own:
        if not user_covers(actor, household.village_id):
            raise OutsideArea()
        if not actor.may_edit:
            raise NotAllowed()
    paired = (
        Pairing.objects.filter(cadre=cadre, household=household, start_date__lte=date)
        .exclude(end_date__lt=date)
        .exists()
    )
    if not paired:
        raise DomainError(
            _("%(cadre)s was not paired with this household on that date.") % {"cadre": cadre.name},
            field="cadre",
        )
    if date > dt.date.today():
        raise DomainError(_("A visit cannot be in the future."), field="date")
    visit = Visit(
        cadre=cadre,
        household=household,
        date=date,
        purpose=purpose,
        notes=notes,
        recorded_by=actor_account(actor),
    )
    visit.attach(accept_upload(photo, field="photo", allowed=IMAGE_TYPES))
    visit.full_clean()
    visit.save()
    created(actor, visit, area_code=household.village_id, related=household)
    return visit


@transaction.atomic
def household_plan_save(
    *,
    actor: User | None,
    household: Household,
    goals: str,
    planned_measures: str = "",
    expected_income: Decimal = Decimal("0"),
    reason: str = "",
) -> HouseholdPlan:
    _check(actor, household.village_id)
    plan = HouseholdPlan.objects.filter(household=household).first()
    plan = plan or HouseholdPlan(household=household)
    with recording(actor, plan, area_code=household.village_id, reason=reason, related=household):
        plan.goals, plan.planned_measures, plan.expected_income = (
            goals,
            planned_measures,
            expected_income,
        )
        plan.full_clean()
        plan.save()
    return plan


@transaction.atomic
def village_plan_save(
    *,
    actor: User | None,
    village_code: str,
    goals: str,
    planned_measures: str = "",
    expected_income: Decimal = Decimal("0"),
    reason: str = "",
) -> VillagePlan:
    _check(actor, village_code)
    plan = VillagePlan.objects.filter(village_id=village_code).first()
    plan = plan or VillagePlan(village_id=village_code)
    with recording(actor, plan, area_code=village_code, reason=reason):
        plan.goals, plan.planned_measures, plan.expected_income = (
            goals,
            planned_measures,
            expected_income,
        )
        plan.full_clean()
        plan.save()
    return plan


@transaction.atomic
def measure_add(
    *,
    actor: User | None,
    household: Household,
    kind: str,
    amount: Decimal,
    date: dt.date,
    provider: str,
    notes: str = "",
) -> Measure:
    _check(actor, household.village_id)
    m = Measure(
        household=household, kind=kind, amount=amount, date=date, provider=provider, notes=notes
    )
    m.full_clean()
    m.save()
    created(actor, m, area_code=household.village_id, related=household)
    return m


@transaction.atomic
def directory_entry_add(
    *,
    actor: User | None,
    area_code: str,
    name: str,
    post: str,
    phone: str,
    duties: str = "",
    order: int = 0,
) -> DirectoryEntry:
    _check(actor, area_code)
    e = DirectoryEntry(
        area_id=area_code, name=name, post=post, phone=phone, duties=duties, order=order
    )
    e.full_clean()
    e.save()
    created(actor, e, area_code=area_code)
    return e


# Limits and visit frequency per region -------------------------------------------------


@transaction.atomic
def assistance_policy_save(
    *,
    actor: User,
    region_code: str,
    max_households: int,
    visit_interval_days: int,
    rank_quotas: dict[str, dict[str, int]],
    reason: str,
    transition_years: int | None = None,
) -> AssistancePolicy:
    """A region's own pairing limits, visit frequency and transition period after exit
    (the county office of the region; the most specific region's settings apply; a
    transition period not given stays as it is). Recorded with the reason."""

    if not has_capability(actor, Capability.CONFIGURE):
        raise NotAllowed()
    require_edit(actor, region_code)
    errors: dict[str, list[str]] = {}
    if not 1 <= max_households <= 50:
        errors["max_households"] = [_("Between 1 and 50 households.")]
    if not 1 <= visit_interval_days <= 366:
        errors["visit_interval_days"] = [_("Between 1 and 366 days.")]
    if transition_years is not None and not 0 <= transition_years <= MAX_TRANSITION_YEARS:
        errors["transition_years"] = [
            _("Between 0 and %(max)s years.") % {"max": MAX_TRANSITION_YEARS}
        ]
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the change.")]
    if errors:
        raise ValidationFailed(errors)
    policy = AssistancePolicy.objects.filter(region_id=region_code).first()
    policy = policy or AssistancePolicy(region_id=region_code)
    with recording(actor, policy, area_code=region_code, reason=reason):
        policy.max_households = max_households
        policy.visit_interval_days = visit_interval_days
        policy.rank_quotas = rank_quotas
        if transition_years is not None:
            policy.transition_years = transition_years
        policy.save()
    return policy
