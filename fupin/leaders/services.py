"""Writes of the contact system: one transaction each, keyword-only, every change
recorded in core.ChangeRecord (a report with its link as parent).

Who may write:
- links and rules: the county office (`configure`), inside its area;
- visit reports: staff who may edit inside the contact point's area (a township station
  types in its leaders' reports), or the leader themself (the cadre's linked user).
Outside the area looks like "not found"; `actor=None` is the system (demo, commands).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.accounts.roles import Capability, has_capability
from fupin.assistance.models import Cadre
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.files import Upload, accept_upload
from fupin.core.history import created, recording
from fupin.core.models import actor_account
from fupin.core.scope import user_covers
from fupin.geo.models import Division
from fupin.leaders import choices as c
from fupin.leaders.models import ContactLink, ContactReport, ContactRule


def may_configure(user: User) -> bool:
    return has_capability(user, Capability.CONFIGURE)


def _configure(actor: User | None, area_code: str) -> None:
    if actor is None:
        return
    if not user_covers(actor, area_code):
        raise OutsideArea()
    if not may_configure(actor):
        raise NotAllowed(_("Contact links and rules are set by the county office."))


def may_report(user: User, link: ContactLink) -> bool:
    """Whether the user may enter a visit report of the link."""
    if link.leader.user_id is not None and link.leader.user_id == user.pk:
        return True
    return user_covers(user, link.area_id) and bool(user.may_edit)


@transaction.atomic
def link_create(
    *,
    actor: User | None,
    leader: Cadre,
    area_code: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    duties: str = "",
    reason: str = "",
) -> ContactLink:
    """Link a leader to a township or a village (its contact point) from a date."""
    _configure(actor, area_code)
    errors: dict[str, list[str]] = {}
    area = Division.objects.filter(code=area_code, level__in=c.Target.values).first()
    if area is None:
        errors["area"] = [_("A contact point is a township or a village.")]
    elif leader.home_area_id[:6] != area_code[:6]:
        errors["leader"] = [_("The leader must be a cadre of the contact point's county.")]
    if not leader.active:
        errors["leader"] = [
            _("%(name)s has left and cannot take a contact point.") % {"name": leader.name}
        ]
    if end_date is not None and end_date < start_date:
        errors["end_date"] = [_("The link ends before it starts.")]
    if errors or area is None:
        raise ValidationFailed(errors)
    clash = (
        ContactLink.objects.filter(leader=leader, area=area)
        .exclude(end_date__lt=start_date)
        .filter(start_date__lte=end_date or dt.date.max)
    )
    if clash.exists():
        raise ValidationFailed(
            {
                "area": [
                    _("%(name)s is already linked to %(area)s for part of this time.")
                    % {"name": leader.name, "area": area.name}
                ]
            }
        )
    link = ContactLink.objects.create(
        leader=leader, area=area, start_date=start_date, end_date=end_date, duties=duties.strip()
    )
    created(actor, link, area_code=area_code, reason=reason)
    return link


@transaction.atomic
def link_end(
    *, actor: User | None, link: ContactLink, end_date: dt.date, reason: str
) -> ContactLink:
    """End a link on a date (a leader moved on); the reason is kept."""
    _configure(actor, link.area_id)
    link = ContactLink.objects.select_for_update().get(pk=link.pk)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [_("Say why the link ends.")]})
    if end_date < link.start_date:
        raise ValidationFailed({"end_date": [_("The link ends before it starts.")]})
    if link.reports.filter(date__gt=end_date).exists():
        raise ValidationFailed(
            {"end_date": [_("Visit reports are dated after this day: end the link later.")]}
        )
    with recording(actor, link, area_code=link.area_id, reason=reason):
        link.end_date = end_date
        link.save(update_fields=["end_date"])
    return link


@transaction.atomic
def report_record(
    *,
    actor: User | None,
    link: ContactLink,
    date: dt.date,
    place: str,
    content: str,
    problems_found: str = "",
    problems_solved: str = "",
    photo: Upload | None = None,
) -> ContactReport:
    """A leader's visit report on the contact point, dated within the link's period and
    not in the future; the photo or scan follows the upload policy (a picture or a PDF)."""
    if actor is not None:
        if not user_covers(actor, link.area_id) and link.leader.user_id != actor.pk:
            raise OutsideArea()
        if not may_report(actor, link):
            raise NotAllowed(_("Visit reports are entered by the leader or by staff of the area."))
    errors: dict[str, list[str]] = {}
    if date > timezone.localdate():
        errors["date"] = [_("A visit cannot be in the future.")]
    elif date < link.start_date or (link.end_date is not None and date > link.end_date):
        errors["date"] = [_("The leader was not linked to this contact point on that date.")]
    if not (place or "").strip():
        errors["place"] = [_("Say where the visit took place.")]
    if not (content or "").strip():
        errors["content"] = [_("Say what was done.")]
    if errors:
        raise ValidationFailed(errors)
    report = ContactReport(
        link=link,
        date=date,
        place=place.strip(),
        content=content.strip(),
        problems_found=(problems_found or "").strip(),
        problems_solved=(problems_solved or "").strip(),
        recorded_by=actor_account(actor),
    )
    report.attach(accept_upload(photo, field="photo"))
    report.save()
    created(actor, report, area_code=link.area_id, related=link)
    return report


@transaction.atomic
def rule_save(
    *,
    actor: User | None,
    region_code: str | None,
    target: int,
    period: str,
    visits_required: int,
    rank: str = "",
    reason: str = "",
) -> ContactRule:
    """Set how many visits per period a region's links to townships (or villages) owe,
    for leaders of a rank or any rank (an existing rule for the same is changed)."""
    if region_code is None:
        if actor is not None and not actor.is_superuser:
            raise NotAllowed(_("Only a system administrator sets the national rule."))
    else:
        _configure(actor, region_code)
    errors: dict[str, Any] = {}
    if target not in c.Target.values:
        errors["target"] = [_("Choose a township or a village.")]
    if period not in c.Period.values:
        errors["period"] = [_("Choose a period.")]
    if not 1 <= int(visits_required) <= 31:
        errors["visits_required"] = [_("Between 1 and 31 visits.")]
    if errors:
        raise ValidationFailed(errors)
    rule = ContactRule.objects.filter(region_id=region_code, target=target, rank=rank).first()
    if rule is None:
        rule = ContactRule.objects.create(
            region_id=region_code,
            target=target,
            rank=rank,
            period=period,
            visits_required=visits_required,
        )
        created(actor, rule, area_code=region_code or "", reason=reason)
        return rule
    with recording(actor, rule, area_code=region_code or "", reason=reason):
        rule.period, rule.visits_required = period, visits_required
        rule.save()
    return rule
