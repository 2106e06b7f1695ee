"""Writes of return-to-poverty monitoring. Each service checks who may act, runs in one
transaction and records its changes with `fupin.core.history`.

Public entry points (other apps may call them; keyword arguments only):

- ``monitoring_open(*, actor, household, monitoring_type, risk_level, risk_types,
  reason="", today=None) -> MonitoringObject`` opens a case of kind "monitoring"
  (fupin.cases); when its last step passes the household becomes a monitoring object.
- ``risk_level_set(*, actor, obj, level, reason) -> MonitoringObject``.
- ``warning_create(*, actor, household, channel, cause, evidence, proposed_level,
  member=None, source="", reporter_name="", reporter_phone="", public=False, today=None)
  -> RiskWarning``: the one way to raise a warning. ``channel`` is a `Channel` value
  ("self_report", "visit", "data"), ``cause`` a `RiskType` value, ``proposed_level`` a
  `RiskLevel` value. The warning is routed by cause to a department (`ROUTING`) with a
  deadline of `RuleConfig.response_days`. Raises `WarningExists` (409) when the household
  already has an open warning for that cause. ``actor`` None means the public page.
- ``warnings_raise_system(*, warnings, run, channel="data", today=None) ->
  SystemRaised``: the system path for runs no person starts (a daily job of an app
  above, e.g. microcredit's overdue run): a list of `SystemWarning`, set-based, recorded
  as the system with `run` as the reason; no second warning for an open household+cause.
- ``measure_add``, ``warning_escalate``, ``warning_eliminate``, ``warning_review``.
- ``scan(area="", today=None) -> ScanResult`` and ``disaster(...)``: the rules over data,
  vectorised (one SQL read per rule, Polars, bulk insert); idempotent.

Department users: a user with role "department" acts for the department named by their
`unit` field, holding either the code ("health_insurance") or the Chinese name ("医保局"),
see `DEPARTMENT_UNITS`. They see and act on warnings routed to that department, inside
their area.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import polars as pl
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.cases import services as cases
from fupin.cases.procedures import CaseKind
from fupin.core.bulk import bulk_insert
from fupin.core.errors import DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.frames import read_frame, reserve_ids
from fupin.core.history import build_change, created, recording, type_label
from fupin.core.models import ChangeAction, ChangeRecord, actor_account
from fupin.core.scope import (
    code_range,
    covers_household,
    require_edit,
    require_household,
    user_covers,
)
from fupin.geo.codes import ancestor_codes
from fupin.monitoring.models import (
    LEVEL_RANK,
    OPEN_STATUSES,
    Channel,
    Department,
    Measure,
    MonitoringObject,
    MonitoringStatus,
    RiskLevel,
    RiskType,
    RiskWarning,
    RuleConfig,
    Source,
    WarningStatus,
    level_above,
)
from fupin.policy.comparisons import above_line, under_line_expr
from fupin.policy.selectors import NoPolicy, current_policy
from fupin.registry import income as income_rule
from fupin.registry.choices import HouseholdStatus, MonitoringType, Relation
from fupin.registry.models import Assessment, Household, IncomeRecord, Member

if TYPE_CHECKING:
    from fupin.cases.models import Case

ROUTING: dict[str, str] = {
    RiskType.ILLNESS: Department.HEALTH_INSURANCE,
    RiskType.DISABILITY: Department.DISABLED_FEDERATION,
    RiskType.SCHOOLING: Department.EDUCATION,
    RiskType.DISASTER: Department.EMERGENCY,
    RiskType.ACCIDENT: Department.EMERGENCY,
    RiskType.UNSTABLE_WORK: Department.HUMAN_RESOURCES,
    RiskType.BUSINESS_FAILURE: Department.HUMAN_RESOURCES,
    RiskType.LACK_LABOUR: Department.HUMAN_RESOURCES,
    RiskType.HOUSING: Department.HOUSING,
    RiskType.WATER: Department.WATER,
    RiskType.FAMILY_CHANGE: Department.CIVIL_AFFAIRS,
    RiskType.OTHER: Department.CIVIL_AFFAIRS,
}

# What a department user's `unit` may say (besides the code itself).
DEPARTMENT_UNITS: dict[str, str] = {
    "医保局": Department.HEALTH_INSURANCE,
    "残联": Department.DISABLED_FEDERATION,
    "教育局": Department.EDUCATION,
    "应急管理局": Department.EMERGENCY,
    "人社局": Department.HUMAN_RESOURCES,
    "住建局": Department.HOUSING,
    "水利局": Department.WATER,
    "民政局": Department.CIVIL_AFFAIRS,
}

# The comparison rules that raise warnings: cause and proposed level.
FINDING_RULES: dict[str, tuple[str, str]] = {
    Source.MEDICAL_HIGH: (RiskType.ILLNESS, RiskLevel.SERIOUS),
    Source.DISABILITY_NEW: (RiskType.DISABILITY, RiskLevel.GENERAL),
    Source.DEATH_ACTIVE: (RiskType.FAMILY_CHANGE, RiskLevel.MAJOR),
}
INCOME_LEVEL = RiskLevel.SERIOUS
# Households the income rule watches.
WATCHED_STATUSES = (HouseholdStatus.EXITED, HouseholdStatus.MONITORED)
# Households a disaster list warns.
DISASTER_STATUSES = (
    HouseholdStatus.POOR,
    HouseholdStatus.EXITED,
    HouseholdStatus.MONITORED,
    HouseholdStatus.RETURNED,
)
# Who may raise a warning from a visit or a staff self-report form.
STAFF_ROLES = {Role.VILLAGE_STAFF, Role.TOWNSHIP_STATION, Role.COUNTY_OFFICE, Role.CADRE}
# Who may review a closed warning and record measures besides the routed department.
# Raising and lowering risk levels, escalating, eliminating and ending the monitoring are
# decisions of the authority table (fupin.accounts.authority): "risk.raise",
# "risk.lower", "warning.escalate", "warning.eliminate", "monitoring.end".
OFFICE_ROLES = {Role.TOWNSHIP_STATION, Role.COUNTY_OFFICE}


class WarningExists(DomainError):
    code = "warning_exists"
    status = 409


class WarningClosed(DomainError):
    code = "warning_closed"
    status = 409


class RiskNotEliminated(DomainError):
    code = "risk_not_eliminated"
    status = 409


@dataclass(frozen=True)
class Rules:
    response_days: int = 10
    escalation_days: int = 5
    income_rule: bool = True
    require_guarantees: bool = True


@dataclass
class ScanResult:
    checked: int = 0
    created: int = 0
    by_source: dict[str, int] = field(default_factory=dict)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def rules_for(area_code: str, year: int) -> Rules:
    """The most specific RuleConfig of the year for the area (county, province, national);
    the latest earlier year when the year has none; defaults when there is none."""
    regions = ancestor_codes(area_code)
    rank = {code: i for i, code in enumerate(regions)}
    rows = list(RuleConfig.objects.filter(year__lte=year).order_by("-year"))
    rows = [r for r in rows if r.region_id is None or r.region_id in rank]
    if not rows:
        return Rules()
    best_year = rows[0].year
    rows = [r for r in rows if r.year == best_year]
    rows.sort(key=lambda r: len(regions) if r.region_id is None else rank[r.region_id])
    r = rows[0]
    return Rules(r.response_days, r.escalation_days, r.income_rule, r.require_guarantees)


def department_of(user: User) -> str | None:
    """The department a user acts for (from `unit`), or None."""
    if user is None or getattr(user, "role", None) != Role.DEPARTMENT:
        return None
    unit = (user.unit or "").strip()
    if unit in Department.values:
        return unit
    return DEPARTMENT_UNITS.get(unit)


def _require(actor: User | None, area_code: str, roles: AbstractSet[str]) -> None:
    if actor is None or not user_covers(actor, area_code):
        raise OutsideArea()
    if not (actor.is_superuser or actor.role in roles):
        raise NotAllowed()


# ---------------------------------------------------------------- monitoring objects


def _check_level(level: str) -> None:
    if level not in RiskLevel.values:
        raise ValidationFailed({"risk_level": [_("Choose a risk level.")]})


def _check_types(risk_types: list[str]) -> list[str]:
    bad = [t for t in risk_types if t not in RiskType.values]
    if bad or not risk_types:
        raise ValidationFailed({"risk_types": [_("Choose at least one risk type.")]})
    return list(dict.fromkeys(risk_types))


def monitoring_open(
    *,
    actor: User,
    household: Household,
    monitoring_type: str,
    risk_level: str,
    risk_types: list[str],
    reason: str = "",
    today: dt.date | None = None,
) -> MonitoringObject:
    """Propose a household for monitoring: a case of kind "monitoring" plus the object."""

    today = _today(today)
    require_household(actor, household)
    require_edit(actor, household.village_id)
    if monitoring_type not in MonitoringType.values:
        raise ValidationFailed({"monitoring_type": [_("Choose the monitoring object type.")]})
    _check_level(risk_level)
    risk_types = _check_types(risk_types)
    with transaction.atomic():
        case = cases.case_open(
            actor=actor, household=household, kind=CaseKind.MONITORING, reason=reason, today=today
        )
        obj = MonitoringObject.objects.create(
            household=household,
            case=case,
            monitoring_type=monitoring_type,
            risk_level=risk_level,
            risk_types=risk_types,
        )
        created(actor, obj, area_code=household.village_id, reason=reason, related=household)
    return obj


def on_monitoring_case_passed(*, case: Case, actor: User, today: dt.date) -> None:
    """Called by fupin.cases when a monitoring case's last step passes (same transaction):
    the household gets its monitoring type, the monitoring object becomes active."""
    h = Household.objects.select_for_update().get(pk=case.household_id)
    obj = MonitoringObject.objects.filter(case=case).first()
    if obj is None:  # a case opened from the cases pages: type from the former status
        kind = (
            MonitoringType.UNSTABLE_EXITED
            if case.status_before == HouseholdStatus.EXITED
            else MonitoringType.EDGE
        )
        obj = MonitoringObject.objects.create(
            household=h,
            case=case,
            monitoring_type=kind,
            risk_level=RiskLevel.GENERAL,
            risk_types=[RiskType.OTHER],
        )
        created(actor, obj, area_code=h.village_id, related=h)
    reason = _("Case %(id)s") % {"id": case.pk}
    with recording(actor, obj, area_code=h.village_id, reason=reason, related=h):
        obj.status = MonitoringStatus.ACTIVE
        obj.started_on = today
        obj.save()
    with recording(actor, h, area_code=h.village_id, reason=reason):
        h.monitoring_type = obj.monitoring_type
        h.updated_at = timezone.now()
        h.save(update_fields=["monitoring_type", "updated_at"])
    case.household = h


def _change_level(
    actor: User | None, obj: MonitoringObject, level: str, today: dt.date, reason: str
) -> None:
    """Set a monitoring object's risk level, keeping the previous one, recorded in the
    household's history."""
    with recording(
        actor,
        obj,
        area_code=obj.household.village_id,
        reason=reason,
        related=obj.household,
    ):
        _raise_level(obj, level, today)
        obj.save()


def _raise_level(obj: MonitoringObject, level: str, today: dt.date) -> None:
    obj.previous_level = obj.risk_level
    obj.risk_level = level
    obj.level_changed_on = today


def _level_code(current: str, level: str) -> str:
    """The authority code of a change of the risk level: raising or lowering it."""
    return "risk.lower" if LEVEL_RANK[level] < LEVEL_RANK[current] else "risk.raise"


def allowed_levels(user: User, obj: MonitoringObject) -> list[str]:
    """The risk levels the user may give the object now (pages offer only these)."""
    village = obj.household.village_id
    return [
        level
        for level in RiskLevel.values
        if level != obj.risk_level
        and authority.may(user, _level_code(obj.risk_level, level), village)
    ]


def risk_level_set(
    *, actor: User, obj: MonitoringObject, level: str, reason: str, today: dt.date | None = None
) -> MonitoringObject:
    """Raise (authority "risk.raise": any staff) or lower ("risk.lower": township or
    county) a monitoring object's risk level, with a reason, recorded."""
    today = _today(today)
    if not covers_household(actor, obj.household):
        raise OutsideArea()
    _check_level(level)
    with transaction.atomic():
        obj = MonitoringObject.objects.select_for_update().get(pk=obj.pk)
        if obj.risk_level == level:
            return obj
        authority.require(actor, _level_code(obj.risk_level, level), obj.household.village_id)
        if not reason.strip():
            raise ValidationFailed({"reason": [_("Give the reason.")]})
        _change_level(actor, obj, level, today, reason)
    return obj


def _bump_object(
    actor: User | None, household_id: int, level: str, today: dt.date, reason: str
) -> None:
    """A warning above the object's level raises it (recorded)."""
    obj = (
        MonitoringObject.objects.select_for_update()
        .filter(household_id=household_id, status=MonitoringStatus.ACTIVE)
        .first()
    )
    if obj is None or LEVEL_RANK[level] <= LEVEL_RANK[obj.risk_level]:
        return
    _change_level(actor, obj, level, today, reason)


# ---------------------------------------------------------------- warnings


def _open_key(household_id: int, cause: str) -> str:
    return f"{household_id}:{cause}"


def warning_create(
    *,
    actor: User | None,
    household: Household,
    channel: str,
    cause: str,
    evidence: str,
    proposed_level: str,
    member: Member | None = None,
    source: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    public: bool = False,
    today: dt.date | None = None,
) -> RiskWarning:
    """Raise one warning, routed by cause with its deadline (see the module docstring)."""
    today = _today(today)
    if not public:
        require_household(actor, household)  # a paired cadre: only its own households
        _require(actor, household.village_id, STAFF_ROLES)
    if channel not in Channel.values:
        raise ValidationFailed({"channel": [_("Unknown channel.")]})
    if public and channel != Channel.SELF_REPORT:
        raise ValidationFailed({"channel": [_("Unknown channel.")]})
    if cause not in RiskType.values:
        raise ValidationFailed({"cause": [_("Choose a risk type.")]})
    _check_level(proposed_level)
    if not evidence.strip():
        raise ValidationFailed({"evidence": [_("Describe the evidence.")]})
    if member is not None and member.household_id != household.pk:
        raise ValidationFailed({"member": [_("The person is not in this household.")]})
    rules = rules_for(household.village_id, today.year)
    key = _open_key(household.pk, cause)
    with transaction.atomic():
        if RiskWarning.objects.filter(open_key=key).exists():
            raise WarningExists(
                _("The household already has an open warning for this cause."), field="cause"
            )
        w = RiskWarning.objects.create(
            household=household,
            member=member,
            channel=channel,
            source=source,
            public=public,
            cause=cause,
            evidence=evidence.strip(),
            proposed_level=proposed_level,
            level=proposed_level,
            department=ROUTING[cause],
            deadline=today + dt.timedelta(days=rules.response_days),
            open_key=key,
            reporter_name=reporter_name.strip(),
            reporter_phone=reporter_phone.strip(),
            created_by=actor_account(actor),
        )
        created(actor, w, area_code=household.village_id, related=household)
        _bump_object(actor, household.pk, proposed_level, today, str(w))
    return w


def warning_submit_public(
    *,
    household_number: str,
    id_number: str,
    cause: str,
    evidence: str,
    reporter_name: str = "",
    reporter_phone: str = "",
    today: dt.date | None = None,
) -> RiskWarning | None:
    """A household reports its own difficulty: the household number and the ID number of
    one of its active members identify it. The public page must never tell whether a
    household number exists or goes with an ID number, so a report that identifies no
    household, or repeats a cause the household already has an open warning for, is
    dropped without a word (None); the page answers the same either way."""
    household = Household.objects.filter(number=household_number.strip()).first()
    if (
        household is None
        or not Member.objects.active()
        .filter(household=household, id_number=id_number.strip().upper())
        .exists()
    ):
        return None
    if RiskWarning.objects.filter(open_key=_open_key(household.pk, cause)).exists():
        return None
    return warning_create(
        actor=None,
        household=household,
        channel=Channel.SELF_REPORT,
        cause=cause,
        evidence=evidence,
        proposed_level=RiskLevel.GENERAL,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        public=True,
        today=today,
    )


def _lock(w: RiskWarning) -> RiskWarning:
    w = RiskWarning.objects.select_for_update().select_related("household").get(pk=w.pk)
    return w


def may_add_measure(user: User, w: RiskWarning) -> bool:
    if not covers_household(user, w.household) or not w.is_open:
        return False
    return user.is_superuser or department_of(user) == w.department or user.role in OFFICE_ROLES


def measure_add(
    *,
    actor: User,
    warning: RiskWarning,
    description: str,
    taken_on: dt.date,
    amount: Decimal | None = None,
) -> Measure:
    """The routed department (or the township/county office) records a measure."""
    if not covers_household(actor, warning.household):
        raise OutsideArea()
    if not may_add_measure(actor, warning):
        if not warning.is_open:
            raise WarningClosed(_("The warning is closed."))
        raise NotAllowed(_("Only the department the warning is routed to may record measures."))
    if not description.strip():
        raise ValidationFailed({"description": [_("Describe the measure.")]})
    with transaction.atomic():
        m = Measure.objects.create(
            warning=warning,
            department=warning.department,
            description=description.strip(),
            amount=amount,
            taken_on=taken_on,
            recorded_by=actor_account(actor),
        )
        created(actor, m, area_code=warning.household.village_id, related=warning)
    return m


def warning_escalate(
    *, actor: User, warning: RiskWarning, reason: str, today: dt.date | None = None
) -> RiskWarning:
    """Level up (major stays major) and a new deadline of `escalation_days` (authority
    "warning.escalate")."""
    today = _today(today)
    authority.require(actor, "warning.escalate", warning.household.village_id)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason.")]})
    with transaction.atomic():
        w = _lock(warning)
        if not w.is_open:
            raise WarningClosed(_("The warning is closed."))
        with recording(
            actor,
            w,
            area_code=w.household.village_id,
            reason=reason,
            related=w.household,
        ):
            w.level = level_above(w.level)
            w.status = WarningStatus.ESCALATED
            w.escalations += 1
            rules = rules_for(w.household.village_id, today.year)
            w.deadline = today + dt.timedelta(days=rules.escalation_days)
            w.save()
        _bump_object(actor, w.household_id, w.level, today, reason)
    return w


def _condition_label(name: str) -> str:
    """An assessment condition's label (its field's verbose name)."""
    found = Assessment._meta.get_field(name)
    return str(found.verbose_name) if isinstance(found, models.Field) else name


def elimination_check(household: Household, on: dt.date) -> list[str]:
    """Why the risk cannot be declared eliminated yet (empty: it can)."""

    problems: list[str] = []
    income = IncomeRecord.objects.filter(household=household).order_by("-year").first()
    try:
        line = current_policy(household.village_id, on=on).line_for_monitoring()
    except NoPolicy:
        line = None
        problems.append(_("No policy set gives a monitoring threshold."))
    if income is None:
        problems.append(_("No income record."))
    elif line is not None and not above_line(income.net_income_per_capita, line):
        problems.append(
            _("Net income per person %(income)s in %(year)s is not above the threshold %(line)s.")
            % {"income": income.net_income_per_capita, "year": income.year, "line": line}
        )
    if rules_for(household.village_id, on.year).require_guarantees:
        a = Assessment.objects.filter(household=household).order_by("-year").first()
        if a is None:
            problems.append(_("No assessment of the guarantees (两不愁三保障)."))
        elif not a.all_met:
            names = ", ".join(_condition_label(f) for f in a.unmet)
            problems.append(_("Guarantees not met: %(names)s.") % {"names": names})
    return problems


def warning_eliminate(
    *, actor: User, warning: RiskWarning, note: str, today: dt.date | None = None
) -> RiskWarning:
    """Close with risk eliminated (风险消除), only when `elimination_check` is empty
    (authority "warning.eliminate")."""
    today = _today(today)
    authority.require(actor, "warning.eliminate", warning.household.village_id)
    with transaction.atomic():
        w = _lock(warning)
        if not w.is_open:
            raise WarningClosed(_("The warning is closed."))
        problems = elimination_check(w.household, today)
        if problems:
            raise RiskNotEliminated(
                _("The risk cannot be declared eliminated: %(problems)s")
                % {"problems": " ".join(problems)}
            )
        with recording(
            actor,
            w,
            area_code=w.household.village_id,
            reason=note,
            related=w.household,
        ):
            w.status = WarningStatus.ELIMINATED
            w.open_key = None
            w.closed_at = timezone.now()
            w.closing_note = note.strip()
            w.save()
    return w


def monitoring_end(
    *, actor: User, obj: MonitoringObject, reason: str, today: dt.date | None = None
) -> MonitoringObject:
    """End the monitoring of a household (消除风险后退出监测; authority "monitoring.end"),
    only with no open warning and when `elimination_check` is empty. The household goes
    back to the status it had before the monitoring case (exited for an unstable exited
    household), without a monitoring type; everything in one transaction with history."""
    today = _today(today)
    h = obj.household
    authority.require(actor, "monitoring.end", h.village_id)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason for the change.")]})
    with transaction.atomic():
        obj = MonitoringObject.objects.select_for_update().get(pk=obj.pk)
        if obj.status != MonitoringStatus.ACTIVE:
            raise DomainError(_("This household is not under monitoring."))
        open_warnings = RiskWarning.objects.filter(household=h, status__in=OPEN_STATUSES)
        if open_warnings.exists():
            raise RiskNotEliminated(
                _("Close the open warnings first: %(ids)s.")
                % {"ids": ", ".join(f"#{w.pk}" for w in open_warnings)}
            )
        problems = elimination_check(h, today)
        if problems:
            raise RiskNotEliminated(
                _("The risk cannot be declared eliminated: %(problems)s")
                % {"problems": " ".join(problems)}
            )
        with recording(actor, obj, area_code=h.village_id, reason=reason, related=h):
            obj.status = MonitoringStatus.ENDED
            obj.save(update_fields=["status"])
        h = Household.objects.select_for_update().get(pk=h.pk)
        with recording(actor, h, area_code=h.village_id, reason=reason):
            previous = getattr(obj.case, "status_before", "") if obj.case_id else ""
            if h.status == HouseholdStatus.MONITORED:
                h.status = (
                    previous
                    if previous and previous != HouseholdStatus.MONITORED
                    else (HouseholdStatus.EXITED)
                )
            h.monitoring_type = ""
            h.updated_at = timezone.now()
            h.save(update_fields=["status", "monitoring_type", "updated_at"])
    return obj


def may_escalate(user: User, w: RiskWarning) -> bool:
    return w.is_open and authority.may(user, "warning.escalate", w.household.village_id)


def may_eliminate(user: User, w: RiskWarning) -> bool:
    return w.is_open and authority.may(user, "warning.eliminate", w.household.village_id)


def end_refusal(user: User, obj: MonitoringObject) -> Exception | None:
    """Why the user may not end the object's monitoring now (None: may)."""
    refusal = authority.refusal(user, "monitoring.end", obj.household.village_id)
    if refusal is None and obj.status != MonitoringStatus.ACTIVE:
        return DomainError(_("This household is not under monitoring."))
    return refusal


def may_end(user: User, obj: MonitoringObject) -> bool:
    return end_refusal(user, obj) is None


REVIEW_ROLES = OFFICE_ROLES | {Role.VILLAGE_STAFF}


def may_review(user: User, w: RiskWarning) -> bool:
    """Whether the user may write the review of a closed warning."""
    return (
        not w.is_open
        and user_covers(user, w.household.village_id)
        and (user.is_superuser or user.role in REVIEW_ROLES)
    )


def may_create_warning(user: User) -> bool:
    """Whether the user may record a warning from a visit or a self-report form."""
    return user.is_superuser or user.role in STAFF_ROLES


def warning_review(
    *, actor: User, warning: RiskWarning, worked: str, not_worked: str
) -> RiskWarning:
    """The short review after a closed warning: what worked, what did not."""
    _require(actor, warning.household.village_id, REVIEW_ROLES)
    if not worked.strip() and not not_worked.strip():
        raise ValidationFailed({"worked": [_("Write what worked or what did not.")]})
    with transaction.atomic():
        w = _lock(warning)
        if w.is_open:
            raise ValidationFailed({"worked": [_("Review a warning once it is closed.")]})
        with recording(actor, w, area_code=w.household.village_id, related=w.household):
            w.review_worked = worked.strip()
            w.review_not_worked = not_worked.strip()
            w.reviewed_at = timezone.now()
            w.save()
    return w


# ---------------------------------------------------------------- rules over data


def _area_range(area: str) -> list[str]:
    """Bounds of the area's codes (the whole country when empty), for BETWEEN."""
    return list(code_range(area)) if area else ["000000000000", "999999999999"]


def finding_candidates(area: str = "") -> pl.DataFrame:
    """Open or confirmed comparison findings of the warning rules (death: only of the
    household head, taken as the main earner), one row per household and cause."""

    sql = (
        "SELECT f.household_id, f.member_id, f.rule, f.summary, h.village_id "
        "FROM compare_finding f JOIN registry_household h ON h.id = f.household_id "
        "LEFT JOIN registry_member m ON m.id = f.member_id "
        "WHERE f.rule IN (%s, %s, %s) AND f.status IN ('open', 'confirmed') "
        "AND (f.rule <> %s OR m.relation = %s) AND h.village_id BETWEEN %s AND %s"
    )
    frame = read_frame(
        sql,
        [*FINDING_RULES, Source.DEATH_ACTIVE, Relation.HEAD, *_area_range(area)],
        schema={
            "household_id": pl.Int64,
            "member_id": pl.Int64,
            "rule": pl.Utf8,
            "summary": pl.Utf8,
            "village_id": pl.Utf8,
        },
    )
    mapping = pl.DataFrame(
        {
            "rule": [str(k) for k in FINDING_RULES],
            "cause": [str(v[0]) for v in FINDING_RULES.values()],
            "level": [str(v[1]) for v in FINDING_RULES.values()],
        }
    )
    return (
        frame.join(mapping, on="rule")
        .sort(["household_id", "rule", "member_id"])
        .unique(subset=["household_id", "cause"], keep="first", maintain_order=True)
        .select(
            "household_id",
            "member_id",
            pl.col("rule").alias("source"),
            "cause",
            "level",
            pl.col("summary").alias("evidence"),
            "village_id",
        )
    )


def _thresholds(villages: list[str], on: dt.date) -> pl.DataFrame:
    """Monitoring threshold per county (policy sets are per region, at most per county)."""

    counties = sorted({v[:6] for v in villages})
    rows = []
    for c in counties:
        try:
            rows.append((c, float(current_policy(c.ljust(12, "0"), on=on).line_for_monitoring())))
        except NoPolicy:
            continue
    return pl.DataFrame(rows, schema={"county": pl.Utf8, "threshold": pl.Float64}, orient="row")


def income_candidates(area: str = "", on: dt.date | None = None) -> pl.DataFrame:
    """Watched households (exited, monitored) whose latest net income per person is under
    the monitoring threshold of their county's policy set."""
    on = on or timezone.localdate()
    sql = (
        "SELECT i.household_id, i.year, i.household_size, "  # noqa: S608
        f"{income_rule.fen_select_sql('i')}, "
        "h.village_id FROM registry_incomerecord i "
        "JOIN registry_household h ON h.id = i.household_id "
        "WHERE h.status IN (%s, %s) AND h.village_id BETWEEN %s AND %s"
    )
    frame = read_frame(
        sql,
        [*WATCHED_STATUSES, *_area_range(area)],
        schema={
            "household_id": pl.Int64,
            "year": pl.Int64,
            "household_size": pl.Int64,
            **{f: pl.Int64 for f in income_rule.MONEY_FIELDS},  # fen
            "village_id": pl.Utf8,
        },
    )
    empty = pl.DataFrame(
        schema={
            "household_id": pl.Int64,
            "member_id": pl.Int64,
            "source": pl.Utf8,
            "cause": pl.Utf8,
            "level": pl.Utf8,
            "evidence": pl.Utf8,
            "village_id": pl.Utf8,
        }
    )
    if frame.is_empty():
        return empty
    latest = frame.sort(["household_id", "year"]).unique(
        subset=["household_id"], keep="last", maintain_order=True
    )
    # 人均纯收入 in fen by the registry's one rule, compared in fen.
    latest = latest.with_columns(
        income_rule.net_per_person_expr().alias("per_person_fen"),
        pl.col("village_id").str.slice(0, 6).alias("county"),
    ).with_columns((pl.col("per_person_fen") / 100).alias("per_person"))
    th = _thresholds(latest["village_id"].unique().to_list(), on)
    if th.is_empty():
        return empty
    low = latest.join(th, on="county").filter(
        under_line_expr(pl.col("per_person_fen"), income_rule.fen_expr(pl.col("threshold")))
    )
    text = _("Net income per person %(income)s in %(year)s is under the threshold %(line)s.")
    return low.select(
        "household_id",
        pl.lit(None, dtype=pl.Int64).alias("member_id"),
        pl.lit(str(Source.INCOME_LOW)).alias("source"),
        pl.lit(str(RiskType.UNSTABLE_WORK)).alias("cause"),
        pl.lit(str(INCOME_LEVEL)).alias("level"),
        pl.format(
            text.replace("%(income)s", "{}").replace("%(year)s", "{}").replace("%(line)s", "{}"),
            pl.col("per_person").round(2),
            pl.col("year"),
            pl.col("threshold").round(2),
        ).alias("evidence"),
        "village_id",
    )


def _write_warnings(
    frame: pl.DataFrame, actor: User | None, channel: str, today: dt.date, batch_size: int = 5000
) -> dict[str, int]:
    """`_insert_warnings`, counted by source (the scan, the disaster list, the bench)."""
    counts: dict[str, int] = {}
    for w in _insert_warnings(frame, actor, channel, today, batch_size):
        counts[w.source] = counts.get(w.source, 0) + 1
    return counts


def _insert_warnings(
    frame: pl.DataFrame,
    actor: User | None,
    channel: str,
    today: dt.date,
    batch_size: int = 5000,
    reason: str = "",
) -> list[RiskWarning]:
    """Insert the frame's warnings except those whose household+cause is already open
    (the first row of a household+cause in the frame wins), each recorded in its
    household's history with `reason`. Returns the warnings inserted."""
    if frame.is_empty():
        return []
    frame = frame.unique(subset=["household_id", "cause"], keep="first", maintain_order=True)
    frame = frame.with_columns(
        (pl.col("household_id").cast(pl.Utf8) + ":" + pl.col("cause")).alias("open_key")
    )
    keys = frame["open_key"].to_list()
    existing: set[str | None] = set()
    for i in range(0, len(keys), 5000):
        existing.update(
            RiskWarning.objects.filter(open_key__in=keys[i : i + 5000]).values_list(
                "open_key", flat=True
            )
        )
    frame = frame.filter(~pl.col("open_key").is_in(list(existing)))
    if frame.is_empty():
        return []
    # Deadlines: per county's response days (few distinct counties).
    days = {
        c: rules_for(c.ljust(12, "0"), today.year).response_days
        for c in frame["village_id"].str.slice(0, 6).unique().to_list()
    }
    user = actor_account(actor)
    now = timezone.now()
    household_type = type_label(Household)
    inserted: list[RiskWarning] = []
    rows = frame.iter_rows(named=True)
    while True:
        chunk = []
        for r in rows:
            chunk.append(r)
            if len(chunk) >= batch_size:
                break
        if not chunk:
            break
        objs = [
            RiskWarning(
                household_id=r["household_id"],
                member_id=r["member_id"],
                channel=channel,
                source=r["source"],
                cause=r["cause"],
                evidence=r["evidence"] or "",
                proposed_level=r["level"],
                level=r["level"],
                department=ROUTING[r["cause"]],
                deadline=today + dt.timedelta(days=days[r["village_id"][:6]]),
                open_key=r["open_key"],
                created_by=user,
                created_at=now,
            )
            for r in chunk
        ]
        with transaction.atomic():
            # COPY on PostgreSQL with reserved keys: a concurrent writer of the same
            # household+cause makes the unique open_key fail the chunk, never a duplicate.
            for o, pk in zip(objs, reserve_ids(RiskWarning, len(objs)), strict=True):
                o.pk = pk
            bulk_insert(objs, RiskWarning, batch_size=batch_size)
            records = [
                build_change(
                    actor=actor,
                    instance=o,
                    action=ChangeAction.CREATE,
                    before=None,
                    area_code=r["village_id"],
                    reason=reason,
                    time=now,
                )
                for o, r in zip(objs, chunk, strict=True)
            ]
            for rec, r in zip(records, chunk, strict=True):
                # In the household's history, as warning_create records it.
                rec.related_type = household_type
                rec.related_id = str(r["household_id"])
            for rec, pk in zip(records, reserve_ids(ChangeRecord, len(records)), strict=True):
                rec.pk = pk
            bulk_insert(records, ChangeRecord, batch_size=batch_size)
        inserted.extend(objs)
    return inserted


@dataclass(frozen=True)
class SystemWarning:
    """One warning a system run asks for (`warnings_raise_system`): the household, the
    cause (`RiskType`) and level (`RiskLevel`), the evidence in words, optionally the
    person and the data rule (`Source`)."""

    household_id: int
    cause: str
    level: str
    evidence: str
    member_id: int | None = None
    source: str = ""


@dataclass
class SystemRaised:
    """What a system run raised, by (household id, cause): the new warning's id, and the
    pairs that got none because a warning for that cause was open already."""

    raised: dict[tuple[int, str], int] = field(default_factory=dict)
    already_open: set[tuple[int, str]] = field(default_factory=set)


def warnings_raise_system(
    *,
    warnings: Iterable[SystemWarning],
    run: str,
    channel: str = Channel.DATA,
    today: dt.date | None = None,
) -> SystemRaised:
    """Raise the warnings of a run no person starts (a daily job, a command): the system
    path of `warning_create`, set-based, for the apps above monitoring (microcredit's
    overdue run). No user acts, so there is no one to check: the change records name the
    system as the actor and `run` (the job and its day, in words) as the reason, each in
    its household's history.

    Idempotent as a daily run needs: a household with an open warning for the cause gets
    no second one (it is listed in `already_open`), and rows of one household and cause
    make one warning (the first row's evidence). The caller keeps its own mark of what
    it has warned (e.g. a loan's `warned_on`) in the same transaction: the call runs in
    the caller's transaction (or one of its own), so the warnings and that mark are
    written together or not at all; a concurrent warning for the same household and
    cause makes the call fail (the unique open key), never a duplicate.

    Bad input refuses the whole call before anything is written, naming the row (from
    1), e.g. an unknown household or cause. Like `scan`, it leaves a monitoring object's
    risk level as it is: raising it is a person's decision (risk.raise)."""
    today = _today(today)
    rows = list(warnings)
    if not run.strip():
        raise ValidationFailed({"run": [_("Name the run that raises the warnings.")]})
    if channel not in Channel.values:
        raise ValidationFailed({"channel": [_("Unknown channel.")]})
    ids = {w.household_id for w in rows}
    pairs = {(w.household_id, str(w.cause)) for w in rows}
    villages: dict[int, str] = {}
    members: dict[int, int] = {}
    id_list = sorted(ids)
    member_ids = sorted({w.member_id for w in rows if w.member_id is not None})
    for i in range(0, len(id_list), 5000):
        villages.update(
            Household.objects.filter(pk__in=id_list[i : i + 5000]).values_list("pk", "village_id")
        )
    for i in range(0, len(member_ids), 5000):
        members.update(
            Member.objects.filter(pk__in=member_ids[i : i + 5000]).values_list("pk", "household_id")
        )
    errors = []
    for n, w in enumerate(rows, start=1):
        problem = ""
        if w.household_id not in villages:
            problem = _("no such household")
        elif w.cause not in RiskType.values:
            problem = _("unknown risk type %(value)s") % {"value": w.cause}
        elif w.level not in RiskLevel.values:
            problem = _("unknown risk level %(value)s") % {"value": w.level}
        elif w.source and w.source not in Source.values:
            problem = _("unknown rule %(value)s") % {"value": w.source}
        elif not w.evidence.strip():
            problem = _("no evidence")
        elif w.member_id is not None and members.get(w.member_id) != w.household_id:
            problem = _("the person is not in this household")
        if problem:
            errors.append(_("Warning %(row)s: %(problem)s.") % {"row": n, "problem": problem})
    if errors:
        raise ValidationFailed({"warnings": errors})
    result = SystemRaised()
    if not rows:
        return result
    frame = pl.DataFrame(
        [
            {
                "household_id": w.household_id,
                "member_id": w.member_id,
                "village_id": villages[w.household_id],
                "source": w.source,
                "cause": str(w.cause),
                "level": str(w.level),
                "evidence": w.evidence.strip(),
            }
            for w in rows
        ],
        schema={
            "household_id": pl.Int64,
            "member_id": pl.Int64,
            "village_id": pl.String,
            "source": pl.String,
            "cause": pl.String,
            "level": pl.String,
            "evidence": pl.String,
        },
    )
    with transaction.atomic():
        inserted = _insert_warnings(frame, None, str(channel), today, reason=run.strip())
    result.raised = {(w.household_id, w.cause): w.pk for w in inserted}
    result.already_open = pairs - set(result.raised)
    return result


def scan(
    *, area: str = "", actor: User | None = None, today: dt.date | None = None, income: bool = True
) -> ScanResult:
    """Run the warning rules over the data (comparison findings, income). Idempotent: a
    household+cause with an open warning gets no second one."""
    today = _today(today)
    result = ScanResult()
    frames = [finding_candidates(area)]
    if income and rules_for(area or "", today.year).income_rule:
        frames.append(income_candidates(area, today))
    frame = pl.concat([f for f in frames if not f.is_empty()] or frames, how="vertical")
    result.checked = frame.height
    result.by_source = _write_warnings(frame, actor, Channel.DATA, today)
    result.created = sum(result.by_source.values())
    return result


def disaster(
    *,
    area: str,
    cause: str,
    level: str,
    evidence: str,
    actor: User | None = None,
    today: dt.date | None = None,
) -> ScanResult:
    """A disaster list for an area: one warning per registered household of the area (of
    `DISASTER_STATUSES`) for the cause, unless one is open already."""
    today = _today(today)
    if cause not in RiskType.values:
        raise ValidationFailed({"cause": [_("Choose a risk type.")]})
    _check_level(level)
    if not area:
        raise ValidationFailed({"area": [_("Name the area.")]})
    frame = read_frame(
        "SELECT h.id AS household_id, h.village_id FROM registry_household h "
        "WHERE h.status IN (%s, %s, %s, %s) AND h.village_id BETWEEN %s AND %s",
        [*DISASTER_STATUSES, *_area_range(area)],
        schema={"household_id": pl.Int64, "village_id": pl.Utf8},
    )
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.Int64).alias("member_id"),
        pl.lit(str(Source.DISASTER_LIST)).alias("source"),
        pl.lit(str(cause)).alias("cause"),
        pl.lit(str(level)).alias("level"),
        pl.lit(evidence or _("Disaster list for an area")).alias("evidence"),
    )
    result = ScanResult(checked=frame.height)
    result.by_source = _write_warnings(frame, actor, Channel.DATA, today)
    result.created = sum(result.by_source.values())
    return result
