"""Writes of the relocation ledger. Every write checks the actor's role and area, keeps
the rules of `rules.py` (their row form), and records its change (fupin.core.history) in
the same transaction: a site in its village, a relocation under its household, a
follow-up support under its relocation.

- `site_create`: staff of the site's village (the county's sites: its county office).
- `relocation_record`, `relocation_progress` (the handover, the move-in), `old_house_record`
  (demolished or kept): staff of the household's village.
- `demolition_verify`: township or county, never who recorded the demolition (the
  authority table's "relocation.verify_demolition").
- `support_add`: staff.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.core.errors import AlreadyDecided, ValidationFailed
from fupin.core.history import created, recording
from fupin.core.scope import require_edit, require_household
from fupin.employment.models import Placement
from fupin.geo.models import Division, Level
from fupin.programmes.checks import Closed, refusals, require_staff
from fupin.programmes.due import household_due_on
from fupin.programmes.values import refuse
from fupin.registry.models import Household, Member
from fupin.relocation import rules
from fupin.relocation.models import OldHouse, Relocation, Site, SiteKind, Support, SupportKind

VERIFY = "relocation.verify_demolition"


def _positive_int(value: Any, field: str, errors: dict[str, list[str]]) -> int:
    if not isinstance(value, int) or value < 0:
        errors.setdefault(field, []).append(_("Enter a whole number."))
        return 0
    return value


def site_create(*, actor: Any, data: dict[str, Any], reason: str = "") -> Site:
    """A new resettlement site (安置点) in a village or community."""
    village = str(data.get("village_id") or "")
    if not Division.objects.filter(code=village, level=Level.VILLAGE).exists():
        raise ValidationFailed({"village": [_("Choose a village.")]})
    require_edit(actor, village)
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Required."))
    if data.get("kind") not in SiteKind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of site."))
    homes = _positive_int(data.get("homes"), "homes", errors)
    capacity = _positive_int(data.get("capacity"), "capacity", errors)
    if errors:
        raise ValidationFailed(errors)
    if Site.objects.filter(village_id=village, name=name).exists():
        raise ValidationFailed({"name": [_("The village has a site of this name.")]})
    with transaction.atomic():
        site = Site.objects.create(
            name=name,
            kind=data["kind"],
            village_id=village,
            address=str(data.get("address") or "").strip(),
            homes=homes,
            capacity=capacity,
            completed_on=data.get("completed_on"),
        )
        created(actor, site, area_code=village, reason=reason or _("Resettlement site registered"))
    return site


def site_use(site: Site, exclude: int | None = None) -> tuple[int, int]:
    """(homes allocated, people relocated) of a site."""
    qs = Relocation.objects.filter(site=site)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    got = qs.aggregate(homes=Count("id"), people=Sum("people"))
    return int(got["homes"] or 0), int(got["people"] or 0)


def relocation_values(
    *,
    household: Household,
    site: Site,
    people: int,
    home_area: Decimal,
    handed_over_on: dt.date | None,
    moved_in_on: dt.date | None,
    today: dt.date,
) -> dict[str, Any]:
    """The values `rules.RELOCATION_CHECKS` reads, in its row form."""
    first = rules.first_day(handed_over_on, moved_in_on, today)
    return {
        "household_due": household_due_on(household, first),
        "same_county": site.village_id[:6] == household.village_id[:6],
        "people": people,
        "home_area": home_area,
        "completed_on": site.completed_on,
        "handed_over_on": handed_over_on,
        "moved_in_on": moved_in_on,
        "today": today,
    }


def _area(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed({"home_area": [_("Enter the area in square metres.")]}) from None


def relocation_record(
    *,
    actor: Any,
    household: Household,
    site: Site,
    data: dict[str, Any],
    reason: str = "",
    today: dt.date | None = None,
) -> Relocation:
    """Record a household relocated (or to be relocated) to a site: its home, and the
    handover and move-in when they are known."""
    today = today or timezone.localdate()
    require_staff(actor, household)
    errors: dict[str, list[str]] = {}
    people = data.get("people")
    if not isinstance(people, int):
        errors.setdefault("people", []).append(_("Enter a whole number."))
    home = str(data.get("home") or "").strip()
    if not home:
        errors.setdefault("home", []).append(_("Required."))
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(people, int)
    area = _area(data.get("home_area"))
    handed, moved = data.get("handed_over_on"), data.get("moved_in_on")
    values = relocation_values(
        household=household,
        site=site,
        people=people,
        home_area=area,
        handed_over_on=handed,
        moved_in_on=moved,
        today=today,
    )
    refuse(refusals(rules.RELOCATION_CHECKS, values), _("The household may not be relocated so."))
    with transaction.atomic():
        # The site's row lock orders two relocations to it; the room is read after it.
        site = Site.objects.select_for_update().get(pk=site.pk)
        if Relocation.objects.filter(household=household).exists():
            raise ValidationFailed({"household": [_("The household's relocation is recorded.")]})
        used_homes, used_people = site_use(site)
        refuse(
            rules.site_refusals(
                homes=site.homes,
                capacity=site.capacity,
                used_homes=used_homes,
                used_people=used_people,
                people=people,
            )
        )
        relocation = Relocation.objects.create(
            household=household,
            village_id=household.village_id,
            site=site,
            people=people,
            home=home,
            home_area=area,
            handed_over_on=handed,
            moved_in_on=moved,
        )
        created(actor, relocation, related=household, reason=reason or _("Relocation recorded"))
    return relocation


def relocation_progress(
    *,
    actor: Any,
    relocation: Relocation,
    handed_over_on: dt.date | None = None,
    moved_in_on: dt.date | None = None,
    today: dt.date | None = None,
) -> Relocation:
    """Fill in the handover or the move-in (a date once given stays: a wrong one is a
    matter for the county's correction, not a form)."""
    today = today or timezone.localdate()
    require_staff(actor, relocation.household)
    with transaction.atomic():
        r = Relocation.objects.select_for_update().select_related("site").get(pk=relocation.pk)
        handed = r.handed_over_on or handed_over_on
        moved = r.moved_in_on or moved_in_on
        if (handed, moved) == (r.handed_over_on, r.moved_in_on):
            raise ValidationFailed({"moved_in_on": [_("Give a date not yet recorded.")]})
        values = relocation_values(
            household=r.household,
            site=r.site,
            people=r.people,
            home_area=r.home_area,
            handed_over_on=handed,
            moved_in_on=moved,
            today=today,
        )
        refuse(refusals(rules.RELOCATION_CHECKS, values))
        with recording(actor, r, related=r.household, reason=_("Relocation progress")):
            r.handed_over_on, r.moved_in_on = handed, moved
            r.save(update_fields=["handed_over_on", "moved_in_on"])
    return r


def old_house_record(
    *,
    actor: Any,
    relocation: Relocation,
    demolished_on: dt.date | None = None,
    kept_reason: str = "",
    today: dt.date | None = None,
) -> Relocation:
    """The old house demolished on a day (to be verified), or kept with a reason."""
    today = today or timezone.localdate()
    require_staff(actor, relocation.household)
    kept_reason = kept_reason.strip()
    if (demolished_on is None) == (not kept_reason):
        raise ValidationFailed(
            {"demolished_on": [_("Give the day of the demolition, or why the house is kept.")]}
        )
    with transaction.atomic():
        r = Relocation.objects.select_for_update().get(pk=relocation.pk)
        if r.old_house != OldHouse.PENDING:
            raise Closed(_("The old house is recorded already."))
        if demolished_on is not None:
            values = {"moved_in_on": r.moved_in_on, "demolished_on": demolished_on, "today": today}
            refuse(refusals(rules.DEMOLITION_CHECKS, values))
        with recording(
            actor, r, related=r.household, reason=kept_reason or _("Old house demolished")
        ):
            if demolished_on is not None:
                r.old_house = OldHouse.DEMOLISHED
                r.demolished_on = demolished_on
                r.demolition_recorded_by = actor if getattr(actor, "pk", None) else None
            else:
                r.old_house = OldHouse.KEPT
                r.kept_reason = kept_reason
            r.save(
                update_fields=[
                    "old_house",
                    "demolished_on",
                    "demolition_recorded_by",
                    "kept_reason",
                ]
            )
    return r


def demolition_verify(
    *, actor: Any, relocation: Relocation, reason: str = "", today: dt.date | None = None
) -> Relocation:
    """Verify a recorded demolition (拆旧验收): a township or county user who did not
    record it."""
    today = today or timezone.localdate()
    require_household(actor, relocation.household)
    note = authority.require(
        actor, VERIFY, relocation.village_id, authors=[relocation.demolition_recorded_by_id]
    )
    with transaction.atomic():
        r = Relocation.objects.select_for_update().get(pk=relocation.pk)
        if r.old_house != OldHouse.DEMOLISHED:
            raise Closed(_("No demolition is recorded."))
        if r.demolition_verified_on is not None:
            raise AlreadyDecided(_("The demolition was verified already."))
        why = authority.with_note(reason.strip(), note) or _("Demolition verified")
        with recording(actor, r, related=r.household, reason=why):
            r.demolition_verified_by = actor
            r.demolition_verified_on = today
            r.save(update_fields=["demolition_verified_by", "demolition_verified_on"])
    return r


def support_add(
    *,
    actor: Any,
    relocation: Relocation,
    kind: str,
    on: dt.date,
    description: str,
    member: Member | None = None,
    placement: Placement | None = None,
    today: dt.date | None = None,
) -> Support:
    """Follow-up support given to a relocated household after its move."""
    today = today or timezone.localdate()
    require_staff(actor, relocation.household)
    errors: dict[str, list[str]] = {}
    if kind not in SupportKind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of support."))
    if not description.strip():
        errors.setdefault("description", []).append(_("Required."))
    values = {"moved_in_on": relocation.moved_in_on, "on": on, "today": today}
    for name, text in refusals(rules.SUPPORT_CHECKS, values):
        errors.setdefault(name, []).append(text)
    if member is not None and member.household_id != relocation.household_id:
        errors.setdefault("member", []).append(_("Choose a member of the household."))
    if placement is not None and placement.household_id != relocation.household_id:
        errors.setdefault("placement", []).append(_("Choose a job of the household."))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        support = Support.objects.create(
            relocation=relocation,
            kind=kind,
            on=on,
            description=description.strip(),
            member=member or (placement.member if placement is not None else None),
            placement=placement,
        )
        created(actor, support, area_code=relocation.village_id, related=relocation)
    return support
