"""Writes of the posts and employment ledgers. Every write checks the actor's role and
area, keeps the rules of `rules.py` (their row form), and records its change
(fupin.core.history) in the same transaction: a post in its village, a holding,
placement or subsidy under its household, a payment under its holding.

- `post_create`, `post_close`: staff of the post's village.
- `holding_propose` (staff), `holding_decide` (township or county, never the proposer:
  the authority table's "post.appoint"), `holding_end` (staff).
- `payment_record`: staff; a month's pay of an appointed holding.
- `placement_record`, `placement_end`, `subsidy_record`: staff.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.core.errors import AlreadyDecided, ValidationFailed
from fupin.core.history import created, recording
from fupin.core.scope import require_edit, require_household
from fupin.employment import rules
from fupin.employment.models import (
    EndReason,
    Holding,
    HoldingStatus,
    Payment,
    Placement,
    PlacementKind,
    Post,
    PostKind,
    TransportSubsidy,
)
from fupin.funds.models import SourceKind
from fupin.geo.models import Division, Level
from fupin.programmes.checks import Closed, refusals, require_staff
from fupin.programmes.due import household_due_on
from fupin.programmes.values import money, refuse
from fupin.registry.choices import MigrantPlace
from fupin.registry.models import Household, Member

APPOINT = "post.appoint"


def _member_of(member: Member | None, household: Household) -> Member:
    if member is None or member.household_id != household.pk or not member.is_active:
        raise ValidationFailed({"member": [_("Choose a current member of the household.")]})
    return member


# ------------------------------------------------------------------ posts


def post_create(*, actor: Any, data: dict[str, Any], reason: str = "") -> Post:
    """A new public-welfare post of a village."""
    village = str(data.get("village_id") or "")
    errors: dict[str, list[str]] = {}
    if not Division.objects.filter(code=village, level=Level.VILLAGE).exists():
        raise ValidationFailed({"village": [_("Choose a village.")]})
    require_edit(actor, village)
    code = str(data.get("code") or "").strip()
    unit = str(data.get("unit") or "").strip()
    for name, value in (("code", code), ("unit", unit)):
        if not value:
            errors.setdefault(name, []).append(_("Required."))
    if data.get("kind") not in PostKind.values:
        errors.setdefault("kind", []).append(_("Choose a post kind."))
    if data.get("funding") not in SourceKind.values:
        errors.setdefault("funding", []).append(_("Choose a funding source."))
    if not isinstance(data.get("opened_on"), dt.date):
        errors.setdefault("opened_on", []).append(_("Required."))
    if errors:
        raise ValidationFailed(errors)
    values = {
        "monthly_pay": money(data.get("monthly_pay"), "monthly_pay", positive=False),
        "opened_on": data["opened_on"],
        "closed_on": data.get("closed_on"),
    }
    refuse(refusals(rules.POST_CHECKS, values))
    if Post.objects.filter(code=code).exists():
        raise ValidationFailed({"code": [_("A post with this number exists.")]})
    with transaction.atomic():
        post = Post.objects.create(
            code=code,
            kind=data["kind"],
            unit=unit,
            village_id=village,
            monthly_pay=values["monthly_pay"],
            funding=data["funding"],
            opened_on=values["opened_on"],
            closed_on=values["closed_on"],
        )
        created(actor, post, area_code=village, reason=reason or _("Post created"))
    return post


def post_close(
    *, actor: Any, post: Post, closed_on: dt.date, reason: str, today: dt.date | None = None
) -> Post:
    """Close a post from `closed_on` on (岗位撤销): no holding may run past it."""
    today = today or timezone.localdate()
    require_edit(actor, post.village_id)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason.")]})
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.closed_on is not None:
            raise Closed(_("The post is closed already."))
        values = {"monthly_pay": post.monthly_pay, "opened_on": post.opened_on}
        refuse(refusals(rules.POST_CHECKS, {**values, "closed_on": closed_on}))
        if closed_on > today:
            raise ValidationFailed({"closed_on": [_("Not after today.")]})
        running = (
            Holding.objects.filter(post=post)
            .exclude(status=HoldingStatus.REFUSED)
            .filter(end_on__isnull=True)
            .exists()
            or Holding.objects.filter(post=post, end_on__gt=closed_on)
            .exclude(status=HoldingStatus.REFUSED)
            .exists()
        )
        if running:
            raise ValidationFailed(
                {"closed_on": [_("A holding of the post runs past that day: end it first.")]}
            )
        with recording(actor, post, reason=reason.strip()):
            post.closed_on = closed_on
            post.save(update_fields=["closed_on"])
    return post


# ------------------------------------------------------------------ holdings


def overlapping(
    qs: QuerySet[Holding], start_on: dt.date, end_on: dt.date | None, exclude: int | None = None
) -> list[Holding]:
    """The proposed or appointed holdings of `qs` whose span overlaps [start_on, end_on)."""
    qs = qs.exclude(status=HoldingStatus.REFUSED)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return [
        h
        for h in qs.only("start_on", "end_on")
        if rules.overlaps(start_on, end_on, h.start_on, h.end_on)
    ]


def holding_problems(
    *, post: Post, household: Household, member: Member, start_on: dt.date
) -> list[tuple[str, str]]:
    """Why this person may not be proposed for the post from `start_on` (row form of
    `rules.HOLDING_CHECKS` and the two overlaps)."""
    values = {
        "household_due": household_due_on(household, start_on),
        "labour": member.labour,
        "age": member.age_on(start_on),
        "post_open": rules.post_open(post.opened_on, post.closed_on, start_on),
        "same_township": post.village_id[:9] == household.village_id[:9],
    }
    problems = refusals(rules.HOLDING_CHECKS, values)
    refused = Holding.objects.filter(status=HoldingStatus.REFUSED)
    if refused.filter(post=post, member=member, start_on=start_on).exists():
        problems.append(("start_on", rules.refused_before()))
    if overlapping(Holding.objects.filter(post=post), start_on, None):
        problems.append(("post", rules.overlap_post()))
    if overlapping(Holding.objects.filter(member=member), start_on, None):
        problems.append(("member", rules.overlap_person()))
    return problems


def holding_propose(
    *, actor: Any, post: Post, member: Member, start_on: dt.date, reason: str = ""
) -> Holding:
    """Propose a member for a post from `start_on` (村推荐); held once appointed."""
    household = member.household
    require_staff(actor, household)
    if not isinstance(start_on, dt.date):
        raise ValidationFailed({"start_on": [_("Required.")]})
    with transaction.atomic():
        # The post's row lock orders two proposals for it; the overlap read follows it.
        post = Post.objects.select_for_update().get(pk=post.pk)
        refuse(
            holding_problems(post=post, household=household, member=member, start_on=start_on),
            _("This person may not be proposed for the post."),
        )
        holding = Holding.objects.create(
            post=post,
            household=household,
            member=member,
            village_id=household.village_id,
            start_on=start_on,
            proposed_by=actor if getattr(actor, "pk", None) else None,
        )
        created(actor, holding, related=household, reason=reason or _("Proposed for a post"))
    return holding


def holding_decide(
    *,
    actor: Any,
    holding: Holding,
    approve: bool,
    reason: str = "",
    today: dt.date | None = None,
) -> Holding:
    """Appoint or refuse a proposed holder (乡镇审核): a township or county user who did
    not propose them. Appointed, the holding is held from its start (or today, if later)."""
    today = today or timezone.localdate()
    require_household(actor, holding.household)
    note = authority.require(actor, APPOINT, holding.village_id, authors=[holding.proposed_by_id])
    why = authority.with_note(reason.strip(), note)
    with transaction.atomic():
        h = Holding.objects.select_for_update().get(pk=holding.pk)
        if h.status != HoldingStatus.PROPOSED:
            raise AlreadyDecided(_("This proposal was decided already."))
        with recording(actor, h, related=h.household, reason=why or _("Appointment decided")):
            h.status = HoldingStatus.APPROVED if approve else HoldingStatus.REFUSED
            h.decided_by = actor
            h.decided_on = today
            h.save(update_fields=["status", "decided_by", "decided_on"])
    return h


def holding_end(
    *,
    actor: Any,
    holding: Holding,
    end_on: dt.date,
    end_reason: str,
    reason: str = "",
    today: dt.date | None = None,
) -> Holding:
    """End an appointment from `end_on` (the first day no longer held)."""
    today = today or timezone.localdate()
    require_staff(actor, holding.household)
    if end_reason not in EndReason.values:
        raise ValidationFailed({"end_reason": [_("Choose why it ended.")]})
    with transaction.atomic():
        h = Holding.objects.select_for_update().get(pk=holding.pk)
        if h.status != HoldingStatus.APPROVED or h.end_on is not None:
            raise Closed(_("Only a current appointment can end."))
        last_paid = (
            Payment.objects.filter(holding=h).order_by("-month").values_list("month", flat=True)
        ).first()
        values = {"start_on": h.start_on, "end_on": end_on, "today": today, "last_paid": last_paid}
        refuse(refusals(rules.HOLDING_END_CHECKS, values))
        with recording(actor, h, related=h.household, reason=reason or h.get_end_reason_display()):
            h.end_on = end_on
            h.end_reason = end_reason
            h.save(update_fields=["end_on", "end_reason"])
    return h


# ------------------------------------------------------------------ pay


def payment_values(
    holding: Holding, month: dt.date, amount: Any, paid_on: dt.date, today: dt.date
) -> dict[str, Any]:
    return {
        "status": holding.status,
        "start_on": holding.start_on,
        "decided_on": holding.decided_on,
        "end_on": holding.end_on,
        "monthly_pay": holding.post.monthly_pay,
        "month": rules.month_start(month),
        "amount": amount,
        "paid_on": paid_on,
        "today": today,
    }


def payment_record(
    *,
    actor: Any,
    holding: Holding,
    month: dt.date,
    amount: Any,
    paid_on: dt.date,
    today: dt.date | None = None,
) -> Payment:
    """Record a month's pay of an appointment (one a month)."""
    today = today or timezone.localdate()
    require_staff(actor, holding.household)
    amount = money(amount, "amount", positive=False)
    month = rules.month_start(month)
    with transaction.atomic():
        h = Holding.objects.select_for_update().select_related("post").get(pk=holding.pk)
        refuse(refusals(rules.PAYMENT_CHECKS, payment_values(h, month, amount, paid_on, today)))
        if Payment.objects.filter(holding=h, month=month).exists():
            raise ValidationFailed({"month": [_("The pay of this month is recorded already.")]})
        payment = Payment.objects.create(
            holding=h,
            month=month,
            amount=amount,
            paid_on=paid_on,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        created(actor, payment, area_code=h.village_id, related=h)
    return payment


# ------------------------------------------------------------------ placements


def placement_record(
    *,
    actor: Any,
    household: Household,
    member: Member | None,
    data: dict[str, Any],
    reason: str = "",
    today: dt.date | None = None,
) -> Placement:
    """Record a job or migrant work of a current member."""
    today = today or timezone.localdate()
    require_staff(actor, household)
    member = _member_of(member, household)
    errors: dict[str, list[str]] = {}
    employer = str(data.get("employer") or "").strip()
    place = str(data.get("place") or "").strip()
    for name, value in (("employer", employer), ("place", place)):
        if not value:
            errors.setdefault(name, []).append(_("Required."))
    if data.get("kind") not in PlacementKind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of work."))
    if data.get("place_scope") not in MigrantPlace.values:
        errors.setdefault("place_scope", []).append(_("Choose where."))
    if not isinstance(data.get("start_on"), dt.date):
        errors.setdefault("start_on", []).append(_("Required."))
    if errors:
        raise ValidationFailed(errors)
    income = money(data.get("monthly_income") or 0, "monthly_income", positive=False)
    start_on, end_on = data["start_on"], data.get("end_on")
    values = {
        "age": member.age_on(start_on),
        "start_on": start_on,
        "end_on": end_on,
        "today": today,
    }
    refuse(refusals(rules.PLACEMENT_CHECKS, values))
    if Placement.objects.filter(member=member, employer=employer, start_on=start_on).exists():
        raise ValidationFailed(
            {"start_on": [_("This job (person, employer, first day) is recorded already.")]}
        )
    with transaction.atomic():
        placement = Placement.objects.create(
            household=household,
            member=member,
            village_id=household.village_id,
            kind=data["kind"],
            employer=employer,
            place=place,
            place_scope=data["place_scope"],
            start_on=start_on,
            end_on=end_on,
            monthly_income=income,
        )
        created(actor, placement, related=household, reason=reason or _("Job recorded"))
    return placement


def placement_end(
    *, actor: Any, placement: Placement, end_on: dt.date, today: dt.date | None = None
) -> Placement:
    """The job ended: `end_on` is the first day no longer worked."""
    today = today or timezone.localdate()
    require_staff(actor, placement.household)
    with transaction.atomic():
        p = Placement.objects.select_for_update().get(pk=placement.pk)
        if p.end_on is not None:
            raise Closed(_("The job has ended already."))
        values = {"start_on": p.start_on, "end_on": end_on, "today": today}
        refuse(refusals([rules.PLACEMENT_END], values))
        with recording(actor, p, related=p.household, reason=_("Job ended")):
            p.end_on = end_on
            p.save(update_fields=["end_on"])
    return p


def subsidy_record(
    *,
    actor: Any,
    placement: Placement,
    paid_on: dt.date,
    amount: Any,
    today: dt.date | None = None,
) -> TransportSubsidy:
    """A migrant worker's transport subsidy for a job away from the county, one a year."""
    today = today or timezone.localdate()
    require_staff(actor, placement.household)
    amount = money(amount, "amount", positive=False)
    values = {
        "place_scope": placement.place_scope,
        "start_on": placement.start_on,
        "paid_on": paid_on,
        "amount": amount,
        "today": today,
    }
    refuse(refusals(rules.SUBSIDY_CHECKS, values))
    with transaction.atomic():
        if TransportSubsidy.objects.filter(member=placement.member, year=paid_on.year).exists():
            raise ValidationFailed(
                {"paid_on": [_("The person has a transport subsidy of that year already.")]}
            )
        subsidy = TransportSubsidy.objects.create(
            household_id=placement.household_id,
            member_id=placement.member_id,
            village_id=placement.village_id,
            placement=placement,
            year=paid_on.year,
            amount=amount,
            paid_on=paid_on,
        )
        created(actor, subsidy, related=placement.household, reason=_("Transport subsidy paid"))
    return subsidy
