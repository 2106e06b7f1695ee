"""Writes of the work teams: one transaction each, keyword-only, every change recorded
(`core.history`, the team as the related object). Who may do what is the authority
table's (`fupin.accounts.authority`, codes `team.*`): a member checks in and asks for
leave themself (its cadre's user) or the township records it for them; the first
secretary writes their records themself or the township for them; leave is decided and
quarterly reports received by the township or county, never by who asked or sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.roles import Capability, has_capability
from fupin.assistance.models import Cadre, TeamMembership, WorkTeam
from fupin.core.errors import DomainError, NotAllowed, ValidationFailed
from fupin.core.history import created, recording
from fupin.core.models import actor_account
from fupin.core.scope import require_edit
from fupin.registry.models import Household
from fupin.teams import choices as c
from fupin.teams.models import (
    CheckIn,
    DiaryEntry,
    Leave,
    LedgerEntry,
    QuarterlyReport,
    TeamRules,
)
from fupin.teams.selectors import first_secretary_on

MAX_LEAVE_DAYS = 90
LIMITS = {
    "min_members": (1, 20),
    "rotation_months": (1, 120),
    "required_days": (0, 31),
}


def _today() -> dt.date:
    return timezone.localdate()


def _term(team: WorkTeam, cadre: Cadre, day: dt.date) -> TeamMembership:
    term = (
        TeamMembership.objects.filter(team=team, cadre=cadre)
        .on(day)
        .select_related("cadre", "team")
        .first()
    )
    if term is None:
        raise DomainError(
            _("%(cadre)s is not a member of this team on %(day)s.")
            % {"cadre": cadre.name, "day": day.isoformat()},
            field="cadre",
        )
    return term


def _own(actor: User | None, cadre: Cadre) -> bool:
    return actor is not None and cadre.user_id is not None and cadre.user_id == actor.pk


def _member_or_office(actor: User | None, term: TeamMembership) -> bool:
    """The member themself, or an office user the table allows (None: the system).
    True when recorded for the member (on their behalf)."""
    if _own(actor, term.cadre):
        return False
    if actor is not None:
        authority.require(actor, "team.record_for", term.team.village_id)
    return True


def _not_future(day: dt.date, what: str) -> None:
    if day > _today():
        raise DomainError(_("%(what)s cannot be in the future.") % {"what": what}, field="date")


# ---------------------------------------------------------------- check-in


@transaction.atomic
def checkin_record(
    *,
    actor: User | None,
    team: WorkTeam,
    cadre: Cadre,
    date: dt.date,
    checked_at: dt.datetime | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    accuracy_m: int | None = None,
    note: str = "",
) -> CheckIn:
    """A member's day in the village: one a member and day, on a day of the member's
    term in this team, not in the future, not on a day of approved leave; the position
    (from a phone) both coordinates or none."""
    term = _term(team, cadre, date)
    on_behalf = _member_or_office(actor, term)
    _not_future(date, _("A check-in"))
    errors: dict[str, list[str]] = {}
    if (latitude is None) != (longitude is None):
        errors["latitude"] = [_("Give both the latitude and the longitude, or neither.")]
    if latitude is not None and not Decimal(-90) <= latitude <= Decimal(90):
        errors["latitude"] = [_("A latitude is between -90 and 90.")]
    if longitude is not None and not Decimal(-180) <= longitude <= Decimal(180):
        errors["longitude"] = [_("A longitude is between -180 and 180.")]
    if accuracy_m is not None and accuracy_m < 0:
        errors["accuracy_m"] = [_("An accuracy is not negative.")]
    if errors:
        raise ValidationFailed(errors)
    if CheckIn.objects.filter(cadre=cadre, date=date).exists():
        raise DomainError(
            _("%(cadre)s has already checked in on %(day)s.")
            % {"cadre": cadre.name, "day": date.isoformat()},
            field="date",
        )
    if Leave.objects.filter(
        membership=term, state=c.LeaveState.APPROVED, start_date__lte=date, end_date__gte=date
    ).exists():
        raise DomainError(
            _("%(cadre)s is on approved leave on %(day)s.")
            % {"cadre": cadre.name, "day": date.isoformat()},
            field="date",
        )
    row = CheckIn(
        membership=term,
        team=team,
        cadre=cadre,
        date=date,
        checked_at=checked_at or timezone.now(),
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
        note=note[:200],
        recorded_by=actor_account(actor),
        on_behalf=on_behalf,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same member and day saved meanwhile
        raise DomainError(_("Already checked in on that day."), field="date") from None
    created(actor, row, area_code=team.village_id, related=team)
    return row


# ---------------------------------------------------------------- leave


@transaction.atomic
def leave_request(
    *,
    actor: User | None,
    team: WorkTeam,
    cadre: Cadre,
    start_date: dt.date,
    end_date: dt.date,
    reason: str,
) -> Leave:
    """A member asks for leave (from, to: both included, inside the member's term),
    themself or through the township; it counts once the township approves it."""
    term = _term(team, cadre, start_date)
    _member_or_office(actor, term)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the leave.")]
    if end_date < start_date:
        errors["end_date"] = [_("The leave ends before it starts.")]
    elif (end_date - start_date).days + 1 > MAX_LEAVE_DAYS:
        errors["end_date"] = [
            _("At most %(days)s days of leave at a time.") % {"days": MAX_LEAVE_DAYS}
        ]
    elif term.end_date is not None and end_date > term.end_date:
        errors["end_date"] = [_("The leave ends after the member's term.")]
    if errors:
        raise ValidationFailed(errors)
    clash = (
        Leave.objects.filter(cadre=cadre, start_date__lte=end_date, end_date__gte=start_date)
        .exclude(state=c.LeaveState.REFUSED)
        .first()
    )
    if clash is not None:
        raise DomainError(
            _("%(cadre)s already has leave from %(start)s to %(end)s.")
            % {
                "cadre": cadre.name,
                "start": clash.start_date.isoformat(),
                "end": clash.end_date.isoformat(),
            },
            field="start_date",
        )
    leave = Leave(
        membership=term,
        team=team,
        cadre=cadre,
        start_date=start_date,
        end_date=end_date,
        reason=reason.strip()[:200],
        requested_by=actor_account(actor),
    )
    leave.save()
    created(actor, leave, area_code=team.village_id, related=team)
    return leave


@transaction.atomic
def leave_decide(*, actor: User, leave: Leave, approve: bool, note: str = "") -> Leave:
    """The township (or county) approves or refuses a leave asked for: never the user who
    asked, nor the member themself (four eyes)."""
    leave = Leave.objects.select_for_update().select_related("cadre", "team").get(pk=leave.pk)
    four_eyes = authority.require(
        actor,
        "team.leave_decide",
        leave.team.village_id,
        authors=[a for a in (leave.requested_by_id, leave.cadre.user_id) if a],
    )
    if leave.state != c.LeaveState.REQUESTED:
        raise DomainError(_("This leave has already been decided."))
    with recording(
        actor,
        leave,
        area_code=leave.team.village_id,
        related=leave.team,
        reason=authority.with_note(note, four_eyes),
    ):
        leave.state = c.LeaveState.APPROVED if approve else c.LeaveState.REFUSED
        leave.decided_by = actor
        leave.decided_at = timezone.now()
        leave.decision_note = note[:200]
        leave.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    return leave


# ---------------------------------------------------------------- the first secretary


def _secretary(actor: User | None, team: WorkTeam, day: dt.date) -> Cadre:
    """The team's first secretary on the day; the actor must be them, or an office user
    writing for them (the table), or the system (None)."""
    term = first_secretary_on(team, day)
    if term is None:
        raise DomainError(
            _("The team has no first secretary on %(day)s.") % {"day": day.isoformat()},
            field="date",
        )
    if not _own(actor, term.cadre) and actor is not None:
        authority.require(actor, "team.write_for_secretary", team.village_id)
    return term.cadre


@transaction.atomic
def diary_add(*, actor: User | None, team: WorkTeam, date: dt.date, text: str) -> DiaryEntry:
    """An entry of the village diary (村情日志 / 民情日记)."""
    secretary = _secretary(actor, team, date)
    _not_future(date, _("A diary entry"))
    if not text.strip():
        raise ValidationFailed({"text": [_("Write the entry.")]})
    entry = DiaryEntry.objects.create(
        team=team, secretary=secretary, written_by=actor_account(actor), date=date, text=text
    )
    created(actor, entry, area_code=team.village_id, related=team)
    return entry


@transaction.atomic
def ledger_add(
    *,
    actor: User | None,
    team: WorkTeam,
    date: dt.date,
    category: str,
    content: str,
    households: Iterable[Household] = (),
) -> LedgerEntry:
    """A work ledger entry (工作台账), with the households of the team's village it
    concerns (optional)."""
    secretary = _secretary(actor, team, date)
    _not_future(date, _("A ledger entry"))
    errors: dict[str, list[str]] = {}
    if category not in c.LedgerCategory.values:
        errors["category"] = [_("Unknown category.")]
    if not content.strip():
        errors["content"] = [_("Write what was done.")]
    households = list(households)
    if any(h.village_id != team.village_id for h in households):
        errors["households"] = [_("Only households of the team's village.")]
    if errors:
        raise ValidationFailed(errors)
    entry = LedgerEntry.objects.create(
        team=team,
        secretary=secretary,
        written_by=actor_account(actor),
        date=date,
        category=category,
        content=content,
    )
    entry.households.set(households)
    created(actor, entry, area_code=team.village_id, related=team)
    return entry


def quarter_start(year: int, quarter: int) -> dt.date:
    return dt.date(year, 3 * quarter - 2, 1)


@transaction.atomic
def report_submit(
    *, actor: User | None, team: WorkTeam, year: int, quarter: int, text: str
) -> QuarterlyReport:
    """The first secretary's report of a quarter that has begun, once a quarter."""
    if quarter not in (1, 2, 3, 4) or not 2000 <= year <= 2100:
        raise ValidationFailed({"quarter": [_("A quarter is 1 to 4 of a year.")]})
    start = quarter_start(year, quarter)
    if start > _today():
        raise DomainError(_("The quarter has not begun."), field="quarter")
    day = min(_today(), quarter_start(year + quarter // 4, quarter % 4 + 1) - dt.timedelta(1))
    secretary = _secretary(actor, team, day)
    if not text.strip():
        raise ValidationFailed({"text": [_("Write the report.")]})
    if QuarterlyReport.objects.filter(team=team, year=year, quarter=quarter).exists():
        raise DomainError(
            _("The report of %(year)s Q%(quarter)s has already been submitted.")
            % {"year": year, "quarter": quarter},
            field="quarter",
        )
    report = QuarterlyReport.objects.create(
        team=team,
        secretary=secretary,
        written_by=actor_account(actor),
        year=year,
        quarter=quarter,
        text=text,
    )
    created(actor, report, area_code=team.village_id, related=team)
    return report


@transaction.atomic
def report_receive(*, actor: User, report: QuarterlyReport) -> QuarterlyReport:
    """The township (or county) receives a submitted report: not the user who sent it."""
    report = QuarterlyReport.objects.select_for_update().select_related("team").get(pk=report.pk)
    four_eyes = authority.require(
        actor,
        "team.report_receive",
        report.team.village_id,
        authors=[a for a in (report.written_by_id,) if a],
    )
    if report.state != c.ReportState.SUBMITTED:
        raise DomainError(_("This report has already been received."))
    with recording(
        actor, report, area_code=report.team.village_id, related=report.team, reason=four_eyes
    ):
        report.state = c.ReportState.RECEIVED
        report.received_by = actor
        report.received_at = timezone.now()
        report.save(update_fields=["state", "received_by", "received_at"])
    return report


# ---------------------------------------------------------------- the rules


@transaction.atomic
def rules_save(
    *,
    actor: User,
    region_code: str,
    effective_from: dt.date,
    min_members: int,
    rotation_months: int,
    required_days: int,
    needs_first_secretary: bool = True,
    needs_leader: bool = True,
    reason: str,
) -> TeamRules:
    """A region's work-team rules from a date (a new version; the same region and date
    again: that version changed). The county office of the region (CONFIGURE),
    recorded with the reason."""
    if not has_capability(actor, Capability.CONFIGURE):
        raise NotAllowed()
    require_edit(actor, region_code)
    values = {
        "min_members": min_members,
        "rotation_months": rotation_months,
        "required_days": required_days,
    }
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        lo, hi = LIMITS[name]
        if not lo <= value <= hi:
            errors[name] = [_("Between %(lo)s and %(hi)s.") % {"lo": lo, "hi": hi}]
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the change.")]
    if errors:
        raise ValidationFailed(errors)
    row = TeamRules.objects.filter(region_id=region_code, effective_from=effective_from).first()
    row = row or TeamRules(region_id=region_code, effective_from=effective_from)
    with recording(actor, row, area_code=region_code, reason=reason):
        for name, value in values.items():
            setattr(row, name, value)
        row.needs_first_secretary = needs_first_secretary
        row.needs_leader = needs_leader
        row.save()
    return row
