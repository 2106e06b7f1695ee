"""Writes to the registry. Each service validates fully, runs in one transaction and
writes its change records in that transaction (who, when, what, why)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.accounts.models import User
from fupin.core.errors import DuplicatePerson, IdNumberInvalid, ValidationFailed
from fupin.core.files import Upload, accept_upload
from fupin.core.history import created, recording
from fupin.core.scope import require_edit, user_covers
from fupin.geo.models import Division, Level
from fupin.registry import choices as c
from fupin.registry import hooks, idnumber, rules
from fupin.registry.models import (
    Assessment,
    Attachment,
    Household,
    IncomeRecord,
    Member,
    MemberChange,
)

HOUSEHOLD_FIELDS = [
    f.name
    for f in Household._meta.concrete_fields
    if f.name not in {"id", "number", "village", "created_at", "updated_at"}
]
MEMBER_FIELDS = [
    f.name
    for f in Member._meta.concrete_fields
    if f.name not in {"id", "household", "is_active", "left_on", "created_at", "updated_at"}
]
INCOME_FIELDS = ["household_size", *IncomeRecord.INCOME_FIELDS, "production_expenses"]
ASSESSMENT_FIELDS = [*Assessment.CONDITIONS, "assessed_on", "assessor", "notes"]


def _full_clean(instance: Model, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed(
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        ) from None


# ---------------------------------------------------------------- households


def _as_dict(errors: rules.Errors) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for field, message in errors:
        out.setdefault(field, []).append(message)
    return out


def validate_household(h: Household) -> dict[str, list[str]]:
    """Rules of the registration form beyond single-field validity (`registry.rules`, whose
    column form the import runs)."""
    return _as_dict(rules.household_errors(h))


# ---------------------------------------------------------------- status belongs to procedures

# A household's status, status year and monitoring type change only when a procedure
# decides it: a case (inclusion, exit, removal, return, monitoring, fupin.cases) reaching
# its deciding step, or the end of a monitoring after its risks are eliminated
# (fupin.monitoring). Those write the household directly; every other path (the edit page,
# the API, an import) refuses a change, saying which procedure to start. This is the one
# place that says which.
PROCEDURAL_FIELDS = ("status", "status_year", "monitoring_type")

S = c.HouseholdStatus
START_INCLUSION = gettext_lazy("Start an inclusion case (纳入) for this household.")
START_EXIT = gettext_lazy("Start an exit case (脱贫退出) for this household.")
START_REMOVAL = gettext_lazy("Start a removal case (清退) for this household.")
START_RETURN = gettext_lazy("Start a return-to-poverty case (返贫) for this household.")
START_MONITORING = gettext_lazy("Start a monitoring case (纳入监测) for this household.")
END_MONITORING = gettext_lazy(
    "End the household's monitoring once its risks are eliminated (风险消除); it then "
    "returns to its former status."
)
NO_PROCEDURE = gettext_lazy("No procedure makes a registered household a candidate again.")

# (wanted status, current status or None for any) -> the procedure to start.
STATUS_PROCEDURE: dict[tuple[str, str | None], Any] = {
    (S.POOR, S.CANDIDATE): START_INCLUSION,
    (S.POOR, S.REMOVED): START_INCLUSION,
    (S.POOR, S.EXITED): START_RETURN,
    (S.POOR, S.MONITORED): START_RETURN,
    (S.POOR, None): START_INCLUSION,
    (S.RETURNED, None): START_RETURN,
    (S.EXITED, S.MONITORED): END_MONITORING,
    (S.EXITED, None): START_EXIT,
    (S.REMOVED, None): START_REMOVAL,
    (S.MONITORED, None): START_MONITORING,
    (S.CANDIDATE, None): NO_PROCEDURE,
}


def status_procedure(current: str | None, wanted: str) -> str:
    """What to do to bring a household from `current` (None: a new household) to `wanted`."""
    text = STATUS_PROCEDURE.get((wanted, current)) or STATUS_PROCEDURE.get((wanted, None))
    return str(text or NO_PROCEDURE)


def procedural_refusal(field: str, status: str | None, wanted: Any) -> str:
    """Why `field` cannot be set to `wanted` outside its procedure (`status`: the stored
    household's status, None for a new household): the reason, naming the procedure to
    start. The row form; imports apply it to a column through a table of its values."""
    if status is None:
        if field == "status":
            return _(
                "A new household is registered as a candidate (待识别); it becomes in poverty "
                "(未脱贫) only through an inclusion case. %(what)s"
            ) % {"what": status_procedure(S.CANDIDATE, S.POOR)}
        if field == "status_year":
            return _("A new household's status year is the year it is registered.")
        return _("A new household has no monitoring type; a monitoring case sets it.")
    if field == "status":
        return _("The status changes only through its procedure. %(what)s") % {
            "what": status_procedure(status, str(wanted))
        }
    if field == "status_year":
        return _("The status year is set by the case that decides the status.")
    return _(
        "The monitoring type is set by the monitoring case and cleared when the monitoring "
        "ends. %(what)s"
    ) % {"what": str(START_MONITORING if status != S.MONITORED else END_MONITORING)}


def _procedural_value(field: str, value: Any) -> Any:
    if field == "status_year":
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return value or ""


def procedural_changes(current: Household | None, data: dict[str, Any]) -> dict[str, list[str]]:
    """The procedural fields that `data` would change, with the reason for each. For a new
    household (`current` None) the starting values are those of `new_household_start`."""
    start = new_household_start() if current is None else {}
    errors: dict[str, list[str]] = {}
    for name in PROCEDURAL_FIELDS:
        if name not in data:
            continue
        if current is None and name != "monitoring_type" and data[name] in (None, ""):
            continue
        old = start[name] if current is None else getattr(current, name)
        if _procedural_value(name, data[name]) != _procedural_value(name, old):
            status = current.status if current is not None else None
            errors[name] = [procedural_refusal(name, status, data[name])]
    return errors


def new_household_start(today: dt.date | None = None) -> dict[str, Any]:
    """Where a new household starts: a candidate of this year, with no monitoring type."""
    year = (today or timezone.localdate()).year
    return {"status": S.CANDIDATE, "status_year": year, "monitoring_type": ""}


def _check_household(h: Household, refused: dict[str, list[str]]) -> None:
    """Validate the household; raise with every error, the refused procedural fields too."""
    try:
        _full_clean(h)
    except ValidationFailed as exc:
        raise ValidationFailed({**exc.errors, **refused}) from None
    errors = {**validate_household(h), **refused}
    if errors:
        raise ValidationFailed(errors)


def _next_household_number(village_code: str) -> str:
    last = Household.objects.filter(number__startswith=village_code).aggregate(m=Max("number"))
    seq = int(last["m"][12:]) + 1 if last["m"] else 1
    return f"{village_code}{seq:04d}"


def household_create(
    *, actor: User, village_code: str, data: dict[str, Any], reason: str = ""
) -> Household:
    require_edit(actor, village_code)
    village = Division.objects.filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise ValidationFailed({"village": [_("Choose a village.")]})
    unknown = set(data) - set(HOUSEHOLD_FIELDS) - {"number"}
    if unknown:
        raise ValidationFailed({k: [_("Unknown field.")] for k in unknown})
    # A new household starts as a candidate of this year; asking for anything else is
    # refused (with the form's other errors), naming the inclusion case.
    refused = procedural_changes(None, data)
    data = {**data, **new_household_start()}
    with transaction.atomic():
        h = Household(village=village, **data)
        if not h.number:
            h.number = _next_household_number(village_code)
        elif Household.objects.filter(number=h.number).exists():
            raise ValidationFailed({"number": [_("This household number is taken.")]})
        _check_household(h, refused)
        h.save()
        created(actor, h, area_code=village_code, reason=reason)
    return h


def household_update(
    *, actor: User, household: Household, data: dict[str, Any], reason: str = ""
) -> Household:
    require_edit(actor, household.village_id)
    unknown = set(data) - set(HOUSEHOLD_FIELDS) - {"village"}
    if unknown:
        raise ValidationFailed({k: [_("Unknown field.")] for k in unknown})
    with transaction.atomic():
        h = Household.objects.select_for_update().get(pk=household.pk)
        # Only a change is refused: sending the stored value again is fine.
        refused = procedural_changes(h, data)
        village_before = h.village_id
        # the area is the household's own, after the change (it may move village)
        with recording(actor, h, reason=reason):
            for key, value in data.items():
                if key in refused:
                    continue
                if key == "village":
                    village = (
                        value
                        if isinstance(value, Division)
                        else Division.objects.filter(code=value, level=Level.VILLAGE).first()
                    )
                    if village is None or not user_covers(actor, village.code):
                        raise ValidationFailed({"village": [_("Choose a village in your area.")]})
                    h.village = village
                else:
                    setattr(h, key, value)
            _check_household(h, refused)
            h.updated_at = timezone.now()
            h.save()
        if h.village_id != village_before:
            hooks.households_moved([h.pk])
    return h


# ---------------------------------------------------------------- members


def validate_member(m: Member, *, today: dt.date | None = None) -> dict[str, list[str]]:
    """The ID number (only its error when it is not valid), then the registration form's
    rules across the member's fields (`registry.rules`, whose column form the import runs)."""
    try:
        number = idnumber.parse(m.id_number, today=today)
    except IdNumberInvalid as exc:
        return {"id_number": [str(exc.message)]}
    m.id_number = number.value
    return _as_dict(rules.member_errors(m, today))


def _fill_from_id(data: dict[str, Any]) -> dict[str, Any]:
    """Sex and birth date default to what the ID number says."""
    try:
        number = idnumber.parse(data.get("id_number"))
    except IdNumberInvalid:
        return data
    data = dict(data)
    data["id_number"] = number.value
    data.setdefault("sex", number.sex)
    data.setdefault("birth_date", number.birth_date)
    if not data.get("sex"):
        data["sex"] = number.sex
    if not data.get("birth_date"):
        data["birth_date"] = number.birth_date
    return data


def _check_one_active_household(actor: User, m: Member) -> None:
    other = (
        Member.objects.active()
        .filter(id_number=m.id_number)
        .exclude(pk=m.pk)
        .select_related("household")
        .first()
    )
    if other is None:
        return
    # Never the digits; and the household only to roles that may reveal (an exact-number
    # probe must not tell others where a person lives).
    if getattr(actor, "may_reveal", False) and user_covers(actor, other.household.village_id):
        message = _("This person is already a member of household %(number)s.") % {
            "number": other.household.number
        }
    else:
        message = _("This person is already a member of a household outside your area.")
    raise DuplicatePerson(message, field="id_number")


def _check_single_head(m: Member) -> None:
    """One active head per household (`rules.head_errors`; the import's column form is
    `rules.second_heads`)."""
    if m.relation != c.Relation.HEAD or not m.is_active:
        return
    other_head = (
        Member.objects.active()
        .filter(household_id=m.household_id, relation=c.Relation.HEAD)
        .exclude(pk=m.pk)
        .exists()
    )
    errors = rules.head_errors(m, other_head=other_head)
    if errors:
        raise ValidationFailed(_as_dict(errors))


def _save_member(m: Member) -> None:
    try:
        with transaction.atomic():
            m.save()
    except IntegrityError:
        # The database constraint caught a concurrent insert of the same person.
        raise DuplicatePerson(
            _("This person is already a member of another household."), field="id_number"
        ) from None


def member_add(
    *,
    actor: User,
    household: Household,
    data: dict[str, Any],
    kind: str = c.MemberChangeKind.MISSING_ADDED,
    date: dt.date | None = None,
    reason: str = "",
) -> Member:
    """Add a person to a household: at registration, birth, marriage in, moving in, or a
    member missing from the record (户漏人补录)."""
    require_edit(actor, household.village_id)
    if kind not in c.MEMBER_JOINS:
        raise ValidationFailed({"kind": [_("Not a way of joining a household.")]})
    unknown = set(data) - set(MEMBER_FIELDS)
    if unknown:
        raise ValidationFailed({k: [_("Unknown field.")] for k in unknown})
    with transaction.atomic():
        Household.objects.select_for_update().get(pk=household.pk)
        m = Member(household=household, **_fill_from_id(data))
        errors = validate_member(m)
        if errors:
            raise ValidationFailed(errors)
        _full_clean(m, exclude=["household"])
        _check_one_active_household(actor, m)
        _check_single_head(m)
        _save_member(m)
        created(actor, m, area_code=household.village_id, reason=reason, related=household)
        change = MemberChange.objects.create(
            household=household,
            member=m,
            kind=kind,
            date=date or timezone.localdate(),
            reason=reason,
            recorded_by=actor if actor.pk else None,
        )
        created(actor, change, area_code=household.village_id, reason=reason, related=household)
    return m


def member_update(*, actor: User, member: Member, data: dict[str, Any], reason: str = "") -> Member:
    require_edit(actor, member.household.village_id)
    unknown = set(data) - set(MEMBER_FIELDS)
    if unknown:
        raise ValidationFailed({k: [_("Unknown field.")] for k in unknown})
    with transaction.atomic():
        m = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
        with recording(
            actor,
            m,
            area_code=m.household.village_id,
            reason=reason,
            related=m.household,
        ):
            for key, value in data.items():
                setattr(m, key, value)
            errors = validate_member(m)
            if errors:
                raise ValidationFailed(errors)
            _full_clean(m, exclude=["household"])
            if m.is_active:
                _check_one_active_household(actor, m)
                _check_single_head(m)
            m.updated_at = timezone.now()
            _save_member(m)
    return m


def member_leave(
    *,
    actor: User,
    member: Member,
    kind: str,
    date: dt.date,
    reason: str = "",
    target_household: Household | None = None,
) -> MemberChange:
    """A member leaves the household: death, marriage out, moving out, or a split."""
    household = member.household
    require_edit(actor, household.village_id)
    if kind not in c.MEMBER_LEAVES:
        raise ValidationFailed({"kind": [_("Not a way of leaving a household.")]})
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason for the change.")]})
    if date > timezone.localdate():
        raise ValidationFailed({"date": [_("The date cannot be in the future.")]})
    with transaction.atomic():
        m = Member.objects.select_for_update().get(pk=member.pk)
        if not m.is_active:
            raise ValidationFailed({"member": [_("This person has already left.")]})
        with recording(actor, m, area_code=household.village_id, reason=reason, related=household):
            m.is_active = False
            m.left_on = date
            m.updated_at = timezone.now()
            m.save()
        change = MemberChange.objects.create(
            household=household,
            member=m,
            kind=kind,
            date=date,
            reason=reason,
            target_household=target_household,
            recorded_by=actor if actor.pk else None,
        )
        created(actor, change, area_code=household.village_id, reason=reason, related=household)
    return change


def household_split(
    *,
    actor: User,
    household: Household,
    members: list[Member],
    head: Member,
    date: dt.date,
    reason: str,
) -> Household:
    """Members leave to form a new household in the same village (分户)."""
    require_edit(actor, household.village_id)
    if head not in members:
        raise ValidationFailed({"head": [_("The new head must be one of the members leaving.")]})
    if any(m.household_id != household.pk or not m.is_active for m in members):
        raise ValidationFailed({"members": [_("Only current members can split off.")]})
    with transaction.atomic():
        # The new household starts as a candidate, like any new household: its status
        # comes from its own inclusion case.
        data = {
            f: getattr(household, f)
            for f in HOUSEHOLD_FIELDS
            if f not in {"phone", "bank_name", "bank_account", *PROCEDURAL_FIELDS}
        }
        new = household_create(
            actor=actor, village_code=household.village_id, data=data, reason=reason
        )
        for m in members:
            member_leave(
                actor=actor,
                member=m,
                kind=c.MemberChangeKind.SPLIT,
                date=date,
                reason=reason,
                target_household=new,
            )
            copy = {f: getattr(m, f) for f in MEMBER_FIELDS}
            copy["relation"] = c.Relation.HEAD if m.pk == head.pk else c.Relation.OTHER
            member_add(
                actor=actor,
                household=new,
                data=copy,
                kind=c.MemberChangeKind.MOVED_IN,
                date=date,
                reason=reason,
            )
    return new


# ---------------------------------------------------------------- income, assessment


def income_amount_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """The amounts of an income record: none negative (a loss in production goes into
    production expenses), none finer than the fen (1234.567 is refused: the clerk says
    which it is, the registry does not round it without a word)."""
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        if key == "household_size" or value is None or value == "":
            continue
        try:
            amount = Decimal(str(value))
        except ArithmeticError:
            continue  # not a number: the field's own validation says so
        if not amount.is_finite():
            continue
        if amount < 0:
            errors.setdefault(key, []).append(
                _(
                    "Amounts cannot be negative; a loss in production goes into production "
                    "expenses (生产经营性支出)."
                )
                if key == "production"
                else _("Amounts cannot be negative.")
            )
        try:
            finer = amount != amount.quantize(Decimal("0.01"))
        except ArithmeticError:
            continue  # too many digits: the field's own validation says so
        if finer:
            errors.setdefault(key, []).append(_("An amount has at most two decimal places (fen)."))
    return errors


def income_set(
    *, actor: User, household: Household, year: int, data: dict[str, Any], reason: str = ""
) -> IncomeRecord:
    """Create or replace a household's income record for a year."""
    require_edit(actor, household.village_id)
    unknown = set(data) - set(INCOME_FIELDS)
    if unknown:
        raise ValidationFailed({k: [_("Unknown field.")] for k in unknown})
    errors = income_amount_errors(data)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        rec = (
            IncomeRecord.objects.select_for_update().filter(household=household, year=year).first()
        )
        if rec is None:
            rec = IncomeRecord(household=household, year=year)
        # created or updated, as the record was new or not
        with recording(
            actor, rec, area_code=household.village_id, reason=reason, related=household
        ):
            if rec._state.adding and "household_size" not in data:
                rec.household_size = household.members.filter(is_active=True).count()
            for key, value in data.items():
                setattr(rec, key, value)
            _full_clean(rec, exclude=["household"])
            rec.updated_at = timezone.now()
            rec.save()
    return rec


def assessment_set(
    *, actor: User, household: Household, year: int, data: dict[str, Any], reason: str = ""
) -> Assessment:
    require_edit(actor, household.village_id)
    unknown = set(data) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise ValidationFailed({k: [_("Unknown field.")] for k in unknown})
    with transaction.atomic():
        rec = Assessment.objects.select_for_update().filter(household=household, year=year).first()
        if rec is None:
            rec = Assessment(household=household, year=year)
        with recording(
            actor, rec, area_code=household.village_id, reason=reason, related=household
        ):
            for key, value in data.items():
                setattr(rec, key, value)
            _full_clean(rec, exclude=["household"])
            rec.save()
    return rec


def attachment_add(
    *,
    actor: User,
    household: Household,
    kind: str,
    title: str,
    upload: Upload | None,
    reason: str = "",
) -> Attachment:
    require_edit(actor, household.village_id)
    upload = accept_upload(upload)
    with transaction.atomic():
        a = Attachment(
            household=household,
            kind=kind,
            title=title,
            uploaded_by=actor if actor.pk else None,
        )
        a.attach(upload)
        _full_clean(a, exclude=["household", "file"])
        a.save()
        created(actor, a, area_code=household.village_id, reason=reason, related=household)
    return a
