"""Writes of the benefit-linking ledger. Every write checks the actor's role and area,
keeps the rules of `rules.py`, and records its change (fupin.core.history) in the same
transaction: enterprises and purchases in their area, links and dividends under their
household.

- `enterprise_register`, `enterprise_update`: staff of the enterprise's area.
- `link_propose`: staff of the household's area, with an enterprise of their area.
- `link_decide` (one link) and `links_confirm` (the proposed links of an enterprise):
  a township or county user who did not propose the link (the authority table's
  "benefit_link.confirm", four eyes).
- `link_end`: staff; the link ends on a day.
- `dividend_record`: staff, on a confirmed link.
- `purchase_record`: staff of the supplier's area.

The workbook import (`ledger.py`) writes in bulk with the same rule functions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.core.errors import AlreadyDecided, OutsideArea, ValidationFailed
from fupin.core.history import build_change, bulk_record, created, recording, snapshot
from fupin.core.models import ChangeAction
from fupin.core.scope import require_edit, require_household
from fupin.geo.models import Division
from fupin.industry import rules
from fupin.industry.models import (
    BenefitLink,
    Dividend,
    Enterprise,
    EnterpriseKind,
    LinkMode,
    LinkStatus,
    Purchase,
    Sector,
)
from fupin.programmes.due import household_due_on
from fupin.programmes.values import money, refuse
from fupin.registry.models import Household

CONFIRM = "benefit_link.confirm"


def _text(
    data: dict[str, Any],
    name: str,
    length: int,
    problems: list[tuple[str, str]],
    required: bool = True,
) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        problems.append((name, _("Required.")))
    elif len(value) > length:
        problems.append((name, _("At most %(n)d characters.") % {"n": length}))
    return value


def _enterprise_terms(data: dict[str, Any]) -> dict[str, Any]:
    problems: list[tuple[str, str]] = []
    out = {
        "name": _text(data, "name", 120, problems),
        "representative": _text(data, "representative", 60, problems, required=False),
        "kind": data.get("kind") or "",
        "sector": data.get("sector") or "",
    }
    if out["kind"] not in EnterpriseKind.values:
        problems.append(("kind", _("Choose the kind.")))
    if out["sector"] not in Sector.values:
        problems.append(("sector", _("Choose the sector.")))
    refuse(problems)
    return out


def enterprise_register(*, actor: Any, data: dict[str, Any], reason: str = "") -> Enterprise:
    """Add an enterprise, cooperative or family farm to the register of an area."""
    division = str(data.get("division_id") or "").strip()
    if not Division.objects.filter(code=division).exists():
        raise ValidationFailed({"division_id": [_("No division with this code.")]})
    require_edit(actor, division)
    terms = _enterprise_terms(data)
    code = rules.normal_code(data.get("credit_code"))
    error = rules.credit_code_error(code)
    if error:
        raise ValidationFailed({"credit_code": [error]})
    with transaction.atomic():
        if Enterprise.objects.filter(credit_code=code).exists():
            raise ValidationFailed(
                {"credit_code": [_("An enterprise with this credit code is registered already.")]}
            )
        enterprise = Enterprise.objects.create(
            credit_code=code, division_id=division, created_by=actor, **terms
        )
        created(actor, enterprise, reason=reason or _("Enterprise registered"))
    return enterprise


def enterprise_update(
    *, actor: Any, enterprise: Enterprise, data: dict[str, Any], reason: str = ""
) -> Enterprise:
    """Change an enterprise's name, kind, sector or representative (its code and area
    stay)."""
    require_edit(actor, enterprise.division_id)
    terms = _enterprise_terms(data)
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        with recording(actor, enterprise, reason=reason or _("Enterprise changed")):
            for name, value in terms.items():
                setattr(enterprise, name, value)
            enterprise.save()
    return enterprise


def _in_area(actor: Any, enterprise: Enterprise) -> None:
    """The enterprise is one of the actor's area (another is 'not found')."""
    if (
        actor is not None
        and not Enterprise.objects.restrict(actor).filter(pk=enterprise.pk).exists()
    ):
        raise OutsideArea()


def link_propose(
    *,
    actor: Any,
    enterprise: Enterprise,
    household: Household,
    data: dict[str, Any],
    reason: str = "",
) -> BenefitLink:
    """Propose a household's link to an enterprise (confirmed by someone else)."""
    require_household(actor, household)
    require_edit(actor, household.village_id)
    _in_area(actor, enterprise)
    mode = data.get("mode") or ""
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on") or None
    problems: list[tuple[str, str]] = []
    if mode not in LinkMode.values:
        problems.append(("mode", _("Choose the linking mode.")))
    if not isinstance(starts_on, dt.date):
        problems.append(("starts_on", _("Required.")))
    refuse(problems)
    assert isinstance(starts_on, dt.date)
    raw = data.get("amount")
    amount = None if raw in (None, "") else money(raw, "amount", positive=False)
    note = _text(data, "note", 200, problems, required=False)
    problems += rules.link_refusals(
        household=household,
        due=household_due_on(household, starts_on),
        mode=mode,
        starts_on=starts_on,
        ends_on=ends_on,
        amount=amount,
    )
    refuse(problems, _("This link cannot be recorded."))
    with transaction.atomic():
        others = list(
            BenefitLink.objects.filter(enterprise=enterprise, household=household, mode=mode)
        )
        if any(o.starts_on == starts_on and o.status == LinkStatus.REFUSED for o in others):
            raise ValidationFailed({"starts_on": [refused_reason()]})
        if any(
            rules.overlaps(starts_on, ends_on, o.starts_on, o.ends_on)
            for o in others
            if o.status != LinkStatus.REFUSED
        ):
            raise ValidationFailed({"starts_on": [rules.overlap_reason()]})
        link = BenefitLink.objects.create(
            household=household,
            village_id=household.village_id,
            enterprise=enterprise,
            mode=mode,
            starts_on=starts_on,
            ends_on=ends_on,
            amount=amount,
            note=note,
            proposed_by=actor,
        )
        created(actor, link, related=household, reason=reason or _("Benefit link proposed"))
    return link


def refused_reason() -> str:
    return _(
        "A link of this household to this enterprise in this mode from this day was "
        "refused; propose it from another day or ask for the decision to be reviewed."
    )


def link_decide(
    *,
    actor: Any,
    link: BenefitLink,
    approve: bool,
    reason: str = "",
    today: dt.date | None = None,
) -> BenefitLink:
    """Confirm or refuse a proposed link (township or county, not the proposer)."""
    today = today or timezone.localdate()
    require_household(actor, link.household)
    note = authority.require(actor, CONFIRM, link.village_id, authors=[link.proposed_by_id])
    why = authority.with_note(reason.strip(), note)
    with transaction.atomic():
        link = BenefitLink.objects.select_for_update().get(pk=link.pk)
        if link.status != LinkStatus.PROPOSED:
            raise AlreadyDecided(_("This link was decided already."))
        default = _("Benefit link confirmed") if approve else _("Benefit link refused")
        with recording(actor, link, related=link.household, reason=why or default):
            link.status = LinkStatus.CONFIRMED if approve else LinkStatus.REFUSED
            link.decided_by = actor
            link.decided_on = today
            link.save()
    return link


def links_confirm(
    *, actor: Any, enterprise: Enterprise, reason: str = "", today: dt.date | None = None
) -> tuple[int, int]:
    """Confirm every proposed link of the enterprise in the actor's area that the actor
    may confirm (the four-eyes rule leaves out those it proposed), each recorded.
    Returns (confirmed, left proposed); refuses (403) when it may confirm none of them."""
    today = today or timezone.localdate()
    _in_area(actor, enterprise)
    now = timezone.now()
    with transaction.atomic():
        pending = list(
            BenefitLink.objects.restrict(actor)
            .filter(enterprise=enterprise, status=LinkStatus.PROPOSED)
            .select_for_update()
            .order_by("pk")
        )
        records, refusal = [], None
        for link in pending:
            error = authority.refusal(
                actor, CONFIRM, link.village_id, authors=[link.proposed_by_id]
            )
            if error is not None:
                refusal = refusal or error
                continue
            note = authority.four_eyes_note(
                actor, CONFIRM, link.village_id, authors=[link.proposed_by_id]
            )
            before = snapshot(link)
            link.status = LinkStatus.CONFIRMED
            link.decided_by = actor
            link.decided_on = today
            link.save(update_fields=["status", "decided_by", "decided_on"])
            records.append(
                build_change(
                    actor=actor,
                    instance=link,
                    action=ChangeAction.UPDATE,
                    before=before,
                    area_code=link.area_code,
                    reason=authority.with_note(reason.strip() or _("Benefit link confirmed"), note),
                    related=Household(pk=link.household_id),
                    time=now,
                )
            )
        if refusal is not None and not records:
            raise refusal
        bulk_record(records)
    return len(records), len(pending) - len(records)


def link_end(
    *, actor: Any, link: BenefitLink, ends_on: dt.date, reason: str, today: dt.date | None = None
) -> BenefitLink:
    """End a confirmed link on a day (the household left the cooperative, the agreement
    was ended early …)."""
    today = today or timezone.localdate()
    require_household(actor, link.household)
    require_edit(actor, link.village_id)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason.")]})
    with transaction.atomic():
        link = BenefitLink.objects.select_for_update().get(pk=link.pk)
        if link.status != LinkStatus.CONFIRMED:
            raise ValidationFailed({"ends_on": [_("Only a confirmed link is ended.")]})
        if ends_on < link.starts_on or ends_on > today:
            raise ValidationFailed({"ends_on": [_("A link ends between its first day and today.")]})
        if link.ends_on is not None and ends_on >= link.ends_on:
            raise ValidationFailed(
                {"ends_on": [_("The link ends on that day or earlier already.")]}
            )
        if link.dividends.filter(year__gt=ends_on.year).exists():
            raise ValidationFailed(
                {"ends_on": [_("A dividend of this link is recorded for a later year.")]}
            )
        with recording(actor, link, related=link.household, reason=reason.strip()):
            link.ends_on = ends_on
            link.save(update_fields=["ends_on"])
    return link


def dividend_record(
    *, actor: Any, link: BenefitLink, data: dict[str, Any], today: dt.date | None = None
) -> Dividend:
    """Record the dividend paid on a link for a year."""
    today = today or timezone.localdate()
    require_household(actor, link.household)
    require_edit(actor, link.village_id)
    year, paid_on = data.get("year"), data.get("paid_on")
    if not isinstance(year, int) or not isinstance(paid_on, dt.date):
        raise ValidationFailed({"year": [_("Required.")], "paid_on": [_("Required.")]})
    amount = money(data.get("amount"), "amount", positive=False)
    refuse(
        rules.dividend_refusals(link=link, year=year, paid_on=paid_on, amount=amount, today=today),
        _("This dividend cannot be recorded."),
    )
    with transaction.atomic():
        if Dividend.objects.filter(link=link, year=year).exists():
            raise ValidationFailed(
                {"year": [_("A dividend of this link for this year is recorded already.")]}
            )
        dividend = Dividend.objects.create(
            household_id=link.household_id,
            member=None,
            village_id=link.village_id,
            link=link,
            year=year,
            amount=amount,
            paid_on=paid_on,
            recorded_by=actor,
        )
        created(actor, dividend, related=link.household, reason=_("Dividend recorded"))
    return dividend


def purchase_record(
    *,
    actor: Any,
    enterprise: Enterprise | None,
    household: Household | None,
    data: dict[str, Any],
    today: dt.date | None = None,
) -> Purchase:
    """Record a consumption-assistance purchase from an enterprise or a household."""
    today = today or timezone.localdate()
    if (enterprise is None) == (household is None):
        raise ValidationFailed(
            {"supplier": [_("Name the supplier: an enterprise or a household, not both.")]}
        )
    if enterprise is not None:
        _in_area(actor, enterprise)
        division = enterprise.division_id
    else:
        assert household is not None
        require_household(actor, household)
        division = household.village_id
    require_edit(actor, division)
    problems: list[tuple[str, str]] = []
    buyer = _text(data, "buyer", 120, problems)
    product = _text(data, "product", 120, problems)
    purchased_on = data.get("purchased_on")
    if not isinstance(purchased_on, dt.date):
        problems.append(("purchased_on", _("Required.")))
    refuse(problems)
    assert isinstance(purchased_on, dt.date)
    amount = money(data.get("amount"), "amount", positive=False)
    refuse(rules.purchase_refusals(amount=amount, purchased_on=purchased_on, today=today))
    with transaction.atomic():
        same = Purchase.objects.filter(
            buyer=buyer,
            product=product,
            supplier_enterprise=enterprise,
            supplier_household=household,
            purchased_on=purchased_on,
            amount=amount,
        )
        if same.exists():
            raise ValidationFailed(
                {
                    "buyer": [
                        _(
                            "This purchase (buyer, product, supplier, day, amount) is "
                            "recorded already."
                        )
                    ]
                }
            )
        purchase = Purchase.objects.create(
            buyer=buyer,
            product=product,
            supplier_enterprise=enterprise,
            supplier_household=household,
            division_id=division,
            amount=amount,
            purchased_on=purchased_on,
            recorded_by=actor,
        )
        created(actor, purchase, reason=_("Purchase recorded"))
    return purchase
