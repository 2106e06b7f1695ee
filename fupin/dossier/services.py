"""Writes of the household file, each in one transaction with its change record: a
region's checklist version and the surveyor's signed statement (谁调查谁签字)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.accounts.roles import Capability, Role, has_capability
from fupin.cases.models import Case, CaseStep, StepDecision
from fupin.cases.pdf import DOCUMENT_LANGUAGE
from fupin.cases.procedures import PROCEDURES
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.files import Upload, accept_upload
from fupin.core.history import created
from fupin.core.models import SensitiveRead
from fupin.core.scope import require_edit, user_covers
from fupin.dossier import choices as c
from fupin.dossier import handbook, pdf, rules, selectors
from fupin.dossier.models import Checklist, ChecklistItem, PrintRecord, SurveyorStatement
from fupin.dossier.selectors import SURVEY_STEPS
from fupin.geo.models import Division
from fupin.registry.choices import AttachmentKind, HouseholdStatus
from fupin.registry.models import Household

STEP_PARAMS = {f"{kind}:{step.code}" for kind, steps in PROCEDURES.items() for step in steps}
SIGNATURE_PARAMS = set(c.SignatureKind.values)


def _source_errors(n: int, source: Any) -> list[str]:
    where = _("Item %(n)s") % {"n": n}
    if not isinstance(source, dict) or source.get("kind") not in c.SourceKind.values:
        return [
            _("%(where)s: a source needs a kind, one of %(kinds)s.")
            % {"where": where, "kinds": ", ".join(c.SourceKind.values)}
        ]
    kind, param = source["kind"], str(source.get("param") or "")
    if kind == c.SourceKind.CASE_STEP and param not in STEP_PARAMS:
        return [
            _("%(where)s: no case step %(param)s (write it as kind:step, e.g. inclusion:survey).")
            % {"where": where, "param": param or "—"}
        ]
    if kind == c.SourceKind.ATTACHMENT and param and param not in AttachmentKind.values:
        return [_("%(where)s: no file kind %(param)s.") % {"where": where, "param": param}]
    if kind in (c.SourceKind.INCOME, c.SourceKind.ASSESSMENT) and param and not param.isdigit():
        return [
            _("%(where)s: the year of a record is a number (or nothing: any year).")
            % {"where": where}
        ]
    if kind == c.SourceKind.SIGNATURE and param and param not in SIGNATURE_PARAMS:
        return [_("%(where)s: a signature is typed or scan.") % {"where": where}]
    return []


def _validate_items(items: list[dict[str, Any]]) -> list[str]:
    errors: list[str] = []
    if not items:
        errors.append(_("A checklist needs at least one item."))
    for n, item in enumerate(items, start=1):
        if item.get("status") not in HouseholdStatus.values:
            errors.append(
                _("Item %(n)s: no household status %(v)s.") % {"n": n, "v": item.get("status")}
            )
        if item.get("document") not in c.Document.values:
            errors.append(_("Item %(n)s: no document %(v)s.") % {"n": n, "v": item.get("document")})
        sources = item.get("sources")
        if not isinstance(sources, list) or not sources:
            errors.append(_("Item %(n)s: name at least one record that satisfies it.") % {"n": n})
            continue
        for source in sources:
            errors += _source_errors(n, source)
    return errors


def checklist_create(
    *,
    actor: User,
    region_code: str | None,
    effective_from: dt.date,
    items: list[dict[str, Any]],
    note: str = "",
) -> Checklist:
    """A new version of a region's checklist (None: the national default, for system
    administrators), in force from `effective_from`; the versions before it stay as
    they were (the file of a past day reads the version then in force)."""
    if region_code is None:
        if not actor.is_superuser and not has_capability(actor, Capability.ADMIN):
            raise NotAllowed(_("Only a system administrator changes the national default."))
        region = None
    else:
        region = Division.objects.filter(code=region_code.ljust(12, "0")).first()
        if region is None or not user_covers(actor, region.code):
            raise OutsideArea()
        if not has_capability(actor, Capability.CONFIGURE):
            raise NotAllowed(_("The county office configures the household file checklist."))
    errors = _validate_items(items)
    if errors:
        raise ValidationFailed({"items": errors})
    with transaction.atomic():
        checklist = Checklist.objects.create(
            region=region, effective_from=effective_from, note=note, created_by=actor
        )
        area = region.code if region else ""
        created(actor, checklist, area_code=area, reason=note)
        for n, item in enumerate(items):
            row = ChecklistItem.objects.create(
                checklist=checklist,
                status=item["status"],
                document=item["document"],
                title=str(item.get("title") or "")[:100],
                sources=[
                    {
                        "kind": s["kind"],
                        "param": str(s.get("param") or ""),
                        "title": str(s.get("title") or ""),
                    }
                    for s in item["sources"]
                ],
                order=int(item.get("order", n)),
            )
            created(actor, row, area_code=area, reason=note)
    return checklist


DEFAULT_STATEMENT = (
    "本人于{day}入户调查该户，所登记的家庭成员、收入和两不愁三保障情况真实准确，与实际情况一致。"
)


def default_statement(day: dt.date) -> str:
    """The attestation's words: a document of the file, always in Chinese."""
    return DEFAULT_STATEMENT.format(day=f"{day.year}年{day.month}月{day.day}日")


def survey_signer(household: Household) -> User | None:
    """The account that signed the household's latest survey or verification step."""
    step = (
        CaseStep.objects.filter(case__household=household, step__in=SURVEY_STEPS)
        .exclude(decision=StepDecision.RETURN)
        .exclude(actor__isnull=True)
        .select_related("actor")
        .order_by("-done_at", "-id")
        .first()
    )
    return step.actor if step is not None else None


def statement_sign(
    *,
    actor: User,
    household: Household,
    surveyed_on: dt.date,
    statement: str = "",
    upload: Upload | None = None,
    surveyor_name: str = "",
) -> SurveyorStatement:
    """Record the surveyor's statement (谁调查谁签字). Typed: the surveyor signs it
    signed in, as themself; where a survey step of the household names who surveyed
    it, only that account may. Scanned: staff file the paper signed by the surveyor
    they name."""
    require_edit(actor, household.village_id)
    errors: dict[str, list[str]] = {}
    if surveyed_on > timezone.localdate():
        errors["surveyed_on"] = [_("The survey cannot be in the future.")]
    if upload is None:
        kind = c.SignatureKind.TYPED
        signer = survey_signer(household)
        if signer is not None and signer.pk != actor.pk:
            raise NotAllowed(
                _(
                    "The survey of this household was signed by %(name)s: whoever surveys "
                    "signs (谁调查谁签字), so only %(name)s may type this statement, or file "
                    "the scan of the paper %(name)s signed."
                )
                % {"name": signer.username}
            )
        name = actor.get_full_name() or actor.username
    else:
        kind = c.SignatureKind.SCAN
        name = surveyor_name.strip()
        if not name:
            errors["surveyor_name"] = [_("Name the surveyor who signed the paper.")]
    if errors:
        raise ValidationFailed(errors)
    upload = accept_upload(upload) if upload is not None else None
    with transaction.atomic():
        s = SurveyorStatement(
            household=household,
            kind=kind,
            surveyor=actor if kind == c.SignatureKind.TYPED else None,
            surveyor_name=name[:50],
            surveyed_on=surveyed_on,
            statement=statement.strip() or default_statement(surveyed_on),
            recorded_by=actor,
        )
        s.attach(upload)
        s.save()
        created(actor, s, area_code=household.village_id, related=household)
    return s


# ---------------------------------------------------------------- printing


def may_print_handbook(user: User) -> bool:
    """The handbook is handed to the household: staff who edit the registry print it,
    and a paired cadre for the households it serves (their scope)."""
    return bool(user.may_edit) or getattr(user, "role", "") == Role.CADRE


def log_print(
    actor: User,
    *,
    kind: str,
    size: str,
    households: Sequence[Household],
    area_code: str,
    phones: int = 0,
    ids: int = 0,
) -> PrintRecord:
    record = PrintRecord.objects.create(
        kind=kind,
        size=size,
        household=households[0] if len(households) == 1 else None,
        area_code=area_code,
        households=len(households),
        phones_printed=phones,
        ids_printed=ids,
        printed_by=actor,
    )
    object_id = str(households[0].pk) if len(households) == 1 else area_code
    if ids:
        SensitiveRead.log_bulk(
            user=actor,
            object_type="registry.member",
            object_id=object_id,
            field="id_number",
            area_code=area_code,
            count=ids,
            channel="print",
        )
    if phones:
        SensitiveRead.log_bulk(
            user=actor,
            object_type="assistance.cadre",
            object_id=object_id,
            field="phone",
            area_code=area_code,
            count=phones,
            channel="print",
        )
    return record


def check_handbook(actor: User) -> None:
    if not may_print_handbook(actor):
        raise NotAllowed(
            _(
                "The village, township or county staff, or the household's paired cadre, "
                "print its handbook."
            )
        )


def handbooks_pdf(
    actor: User, rows: list[Household], size: str, year: int | None, base_url: str
) -> tuple[bytes, int]:
    """The handbooks' PDF and how many cadres' phones it prints in full."""
    today = timezone.localdate()
    year = year or today.year
    with translation.override(DOCUMENT_LANGUAGE):  # the policies are worded in Chinese
        books = [handbook.handbook(user=actor, household=h, year=year, today=today) for h in rows]
        data = pdf.handbooks(books, size, base_url)
    return data, sum(1 for b in books for cadre in b.cadres if cadre.phone)


def with_rows(households: Sequence[Household]) -> list[Household]:
    ids = [h.pk for h in households]
    return list(
        Household.objects.filter(pk__in=ids)
        .select_related("village")
        .prefetch_related("members", "incomes", "assessments")
        .order_by("number")
    )


def print_files(
    *, actor: User, households: Sequence[Household], area_code: str, size: str = "A4"
) -> bytes:
    """The printed household file of each household (found in the actor's scope by the
    caller), in one PDF; logged, with the ID numbers printed in full for a role that may
    reveal them."""
    if size not in pdf.SIZES:
        raise ValidationFailed({"size": [_("Print on A4 or A5.")]})
    rows = with_rows(households)
    data, ids = files_pdf(actor, rows, size)
    with transaction.atomic():
        log_print(
            actor, kind=c.PrintKind.FILE, size=size, households=rows, area_code=area_code, ids=ids
        )
    return data


def files_pdf(actor: User, rows: list[Household], size: str) -> tuple[bytes, int]:
    """The files' PDF and how many ID numbers it prints in full."""
    full = bool(actor.may_reveal)
    lists = selectors.checklists_for([h.village_id for h in rows])
    items = selectors.rule_items(c.pk for c in lists.values() if c is not None)
    evidence: dict[int, list[rules.Evidence]] = {}
    for ev in selectors.evidence_of([h.pk for h in rows]):
        evidence.setdefault(ev.household_id, []).append(ev)
    cases: dict[int, list[Case]] = {}
    for case in (
        Case.objects.filter(household__in=rows)
        .prefetch_related("records")
        .order_by("opened_at", "id")
    ):
        cases.setdefault(case.household_id, []).append(case)
    files = []
    for h in rows:
        checklist = lists.get(h.village_id)
        mine = [i for i in items if checklist is not None and i.checklist_id == checklist.pk]
        results = rules.household_items(h.status, mine, evidence.get(h.pk, []))
        files.append(
            pdf.FileData(
                file=selectors.HouseholdFile(h, checklist, results),
                surveyed=selectors.surveyed_by(h),
                statements=list(SurveyorStatement.objects.filter(household=h)),
                cases=cases.get(h.pk, []),
                full_ids=full,
            )
        )
    data = pdf.household_files(files, size)
    ids = sum(len([m for m in h.members.all() if m.is_active]) for h in rows) if full else 0
    return data, ids


def print_handbooks(
    *,
    actor: User,
    households: Sequence[Household],
    area_code: str,
    size: str = "A4",
    year: int | None = None,
    base_url: str = "",
) -> bytes:
    """The handbook / clear card of each household, in one PDF. Its cadres' phones are
    printed in full (the card is the household's, the phone is meant to be on it) and
    the print is logged with how many it carried."""
    check_handbook(actor)
    if size not in pdf.SIZES:
        raise ValidationFailed({"size": [_("Print on A4 or A5.")]})
    rows = with_rows(households)
    data, phones = handbooks_pdf(actor, rows, size, year, base_url)
    with transaction.atomic():
        log_print(
            actor,
            kind=c.PrintKind.HANDBOOK,
            size=size,
            households=rows,
            area_code=area_code,
            phones=phones,
        )
    return data
