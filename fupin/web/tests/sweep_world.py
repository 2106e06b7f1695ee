"""The small world of the URL sweep (fupin/web/tests/test_url_sweep.py), built once per
test module: the deterministic demo at a small scale (households with members, incomes
and assessments, cases with steps and notices, monitoring objects with warnings and
measures, cadres with pairings and visits, projects with steps and payments,
inspections with findings and rectifications, tasks, village scores, an assessment
round), plus what the demo does not make, in the sweep's own village, a neighbouring
village of the same township and a village of another township: an attachment, a
tip, an objection and an appeal, a comparison run with a finding, an import run, a
report job, and evidence files on steps, findings, rectifications, tasks, scores and
visits."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from conftest import HOUSEHOLD_DATA, make_id, member_data, registered_household

SCALE = 400
SEED = 2017
PDF = b"%PDF-1.4 sweep evidence\n%%EOF\n"
OTHER_TOWNSHIP = "431129109000"


def _file(obj, field: str, type_field: str, name: str = "evidence.pdf") -> None:
    getattr(obj, field).save(name, ContentFile(PDF), save=False)
    setattr(obj, type_field, "application/pdf")
    obj.save()


def _in(model, prefix: str, **where):
    lookup = model.AREA_LOOKUP
    span = (prefix.ljust(12, "0"), prefix.ljust(12, "9"))
    return model.objects.filter(**{f"{lookup}__range": span}, **where).order_by("pk")


def build() -> dict:
    """Build the world; return the sweep's users by role and its areas."""
    from fupin.accounts.models import User
    from fupin.assistance.models import Visit
    from fupin.cases.models import (
        Appeal,
        AreaCase,
        AreaCaseStep,
        Case,
        CaseStep,
        Notice,
        Objection,
    )
    from fupin.cases.procedures import AreaKind, area_procedure_for
    from fupin.compare.models import ComparisonRun, Finding
    from fupin.dashboards.models import ReportRun
    from fupin.dossier.models import SurveyorStatement, VillagePrint
    from fupin.exchange.models import ExchangeRun
    from fupin.geo.models import Division, Level, VillageProfile
    from fupin.leaders.models import ContactReport
    from fupin.policy.models import ExclusionAttestation
    from fupin.projects.models import ProjectStep
    from fupin.registry import demo
    from fupin.registry import services as registry
    from fupin.registry.management.commands.demo import app_demos
    from fupin.scoring.models import VillageScore
    from fupin.supervision.models import Finding as SFinding
    from fupin.supervision.models import Rectification, Task
    from fupin.tips.models import Tip

    call_command("createcachetable", verbosity=0)
    demo.build(seed=SEED, scale=demo.parse_scale(SCALE))
    for module in app_demos():
        module.build_demo(seed=SEED, log=None)

    users = {u.username: u for u in User.objects.all()}
    village = users["village"].area_id
    township = users["township"].area_id
    county = users["county"].area_id
    neighbour = (
        Division.objects.filter(
            level=Level.VILLAGE, code__range=(township[:9] + "000", township[:9] + "999")
        )
        .exclude(code=village)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    other_villages = sorted(
        {
            c
            for c in Case.objects.exclude(
                household__village__code__range=(township[:9] + "000", township[:9] + "999")
            )
            .values_list("household__village_id", flat=True)
            .distinct()
        }
    )
    assert other_villages, "the demo has no village outside the sweep's township"
    far = other_villages[0]

    # The neighbouring village of the same township: a household with a member, income,
    # assessment and attachment (the demo fills one village per township).
    county_user = users["county"]
    for code, seq in [(neighbour, "701"), (village, "702"), (far, "703")]:
        h = registered_household(
            actor=county_user,
            village_code=code,
            data=dict(HOUSEHOLD_DATA, phone="1390746" + seq + "1"),
            reason="sweep world",
        )
        registry.member_add(
            actor=county_user,
            household=h,
            data=member_data(id_number=make_id(seq=seq), name="盘" + seq),
            date=dt.date(2016, 3, 1),
        )
        registry.income_set(
            actor=county_user, household=h, year=2016, data={"household_size": 1, "wages": 3000}
        )
        registry.attachment_add(
            actor=county_user,
            household=h,
            kind="signed_scan",
            title="申请书",
            upload=ContentFile(PDF, name="scan.pdf"),
        )

    for code in [village, far]:
        prefix = code
        h = _in(Case, prefix).first().household
        case = _in(Case, prefix).first()
        # Tips about a household of the village.
        Tip.objects.create(
            channel="phone",
            subject_kind="household",
            household=h,
            content="sweep tip",
            reporter_name="举报人",
            reporter_phone="13900000001",
            area_id=code,
            tracking_hash="sweep-" + code,
            deadline=timezone.localdate() + dt.timedelta(days=30),
        )
        notice = _in(Notice, prefix).first()
        if notice is not None and not _in(Objection, prefix).exists():
            o = Objection.objects.create(
                notice=notice,
                text="异议",
                reporter="异议人",
                reporter_phone="13900000002",
                received_on=notice.posted_on,
            )
            o.cases.add(*notice.cases.all()[:1])
        Appeal.objects.create(
            case=case,
            level="county",
            filed_on=dt.date(2017, 1, 5),
            appellant="申诉人",
            grounds="理由",
            due_on=dt.date(2017, 2, 5),
        )
        run = ComparisonRun.objects.create(
            kind=ComparisonRun._meta.get_field("kind").choices[0][0],
            area_code=code,
            file_name="dept.xlsx",
            sha256="0" * 64,
        )
        Finding.objects.create(
            household=h,
            run=run,
            kind=run.kind,
            rule=Finding._meta.get_field("rule").choices[0][0],
            fingerprint="sweep-" + code,
            summary="sweep finding",
        )
        attestation = ExclusionAttestation.objects.create(
            household=h, clause_code="JH05", verdict="clear", attested_on=dt.date(2019, 10, 15)
        )
        _file(attestation, "file", "content_type")
        ExchangeRun.objects.create(direction="import", area_code=code, file_name="in.xlsx")
        ReportRun.objects.create(
            area_code=code,
            kind=ReportRun._meta.get_field("kind").choices[0][0],
            year=2019,
            as_of=dt.date(2019, 12, 31),
        )
        # A village's print made by the job worker, asked for by the village user (the
        # far one too: a print of a village outside one's area is not one's own).
        vp = VillagePrint.objects.create(
            kind="file", area_code=code, requested_by=users["village"], status="finished"
        )
        _file(vp, "file", "content_type", "print.pdf")
        step = _in(CaseStep, prefix).first()
        _file(step, "file", "content_type")
        statement = _in(SurveyorStatement, prefix).first()
        if statement is not None and not statement.file:
            _file(statement, "file", "content_type", "statement.pdf")
        visit = _in(Visit, prefix).first()
        if visit is not None:
            _file(visit, "photo", "photo_type", "photo.pdf")

    # A village exit case of each of the three villages, with a step holding a file.
    for code in [village, neighbour, far]:
        VillageProfile.objects.filter(village_id=code).update(is_poor_village=True)
        area_case = AreaCase.objects.create(
            kind=AreaKind.VILLAGE_EXIT,
            area_id=code,
            steps=[st.code for st in area_procedure_for(AreaKind.VILLAGE_EXIT)],
            step_index=1,
            year=2025,
            opened_by=users["village"],
        )
        area_step = AreaCaseStep(
            case=area_case, step="application", index=0, decision="done", evidence="申请"
        )
        area_step.sign(users["village"])
        _file(area_step, "file", "content_type")

    # Evidence files on the first object of each area that the demo leaves without one.
    for model, field, type_field in [
        (ProjectStep, "file", "content_type"),
        (SFinding, "file", "content_type"),
        (Rectification, "file", "content_type"),
        (Task, "file", "content_type"),
        (VillageScore, "attachment", "attachment_type"),
        (ExclusionAttestation, "file", "content_type"),
        (ContactReport, "photo", "photo_type"),
    ]:
        for prefix in [village, township, far, far[:9], county]:
            obj = _in(model, prefix).first()
            if obj is not None and not getattr(obj, field):
                _file(obj, field, type_field)

    return {
        "users": users,
        "village": village,
        "township": township,
        "county": county,
        "neighbour": neighbour,
        "far": far,
    }


def _has(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())
