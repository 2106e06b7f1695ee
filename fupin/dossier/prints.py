"""A whole village's household files or handbooks as one PDF, built by the job worker
(a village of two hundred households takes tens of seconds, more than a request may).

The area page calls `start_village_print`: a VillagePrint row and its core.Job
("dossier.print:<id>") are recorded and the task enqueued in one transaction
(fupin.core.jobs; inline when the setting FUPIN_PRINT_SYNC is true, as tests use it).
`fupin worker` runs `run_village_print`: the households are read in the requesting
user's scope as it is then, the PDF is built outside any transaction, and one
transaction stores the file (Django's file storage, under MEDIA_ROOT, served only by the
scoped view), logs the print (PrintRecord and SensitiveRead, in the requesting user's
name, as a print in the request does) and marks the job finished. A task run again after
its worker died finds the job finished and does nothing, or builds the file again whole.

Only the user who asked downloads the file, while the village is in their area (the
file may carry ID numbers in full for a role that may reveal them).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.accounts.models import User
from fupin.core import jobs
from fupin.core.errors import OutsideArea, ValidationFailed
from fupin.core.files import PDF
from fupin.core.scope import user_covers
from fupin.dossier import choices as c
from fupin.dossier import pdf, services
from fupin.dossier.models import VillagePrint
from fupin.geo.models import Division, Level
from fupin.registry.models import Household

logger = logging.getLogger(__name__)

# More households than this in one village is refused (print by part of the village).
MAX_PRINT = 2000

PHASES = {
    "queued": gettext_lazy("Waiting to start"),
    "build": gettext_lazy("Writing the PDF"),
    "finished": gettext_lazy("Finished"),
    "failed": gettext_lazy("The print stopped because of an internal error."),
}


def job_key(print_id: int) -> str:
    return f"dossier.print:{print_id}"


def village_households(user: User, code: str) -> list[Household]:
    """The households of a village in the user's scope, by number (OutsideArea for a
    village outside it or no village; ValidationFailed when there is none or too many)."""
    code = code.ljust(12, "0")
    division = Division.objects.filter(code=code, level=Level.VILLAGE).first()
    if division is None or not user_covers(user, code):
        raise OutsideArea()
    rows = list(
        Household.objects.restrict(user).filter(village_id=code).order_by("number")[: MAX_PRINT + 1]
    )
    if not rows:
        raise ValidationFailed({"__all__": [_("This village has no household to print.")]})
    if len(rows) > MAX_PRINT:
        raise ValidationFailed(
            {"__all__": [_("More than %(n)s households: print them in parts.") % {"n": MAX_PRINT}]}
        )
    return rows


def start_village_print(
    *, actor: User, village_code: str, kind: str, size: str, base_url: str, language: str
) -> VillagePrint:
    """Record the request and queue the village's PDF for `fupin worker`. Raises
    OutsideArea, NotAllowed (handbooks: staff or the paired cadre), ValidationFailed (kind,
    paper, no household) or TooManyJobs (the user's jobs_per_user() prints under way)."""
    if kind not in c.PrintKind.values:
        raise ValidationFailed({"kind": [_("Choose the household files or the handbooks.")]})
    if size not in pdf.SIZES:
        raise ValidationFailed({"size": [_("Print on A4 or A5.")]})
    if kind == c.PrintKind.HANDBOOK:
        services.check_handbook(actor)
    rows = village_households(actor, village_code)
    with transaction.atomic():
        # One user's prints under way are limited; the user's row is locked so that two
        # requests at once cannot both pass the count.
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        jobs.ensure_job_slot(
            VillagePrint.objects.filter(
                requested_by=actor,
                status=c.PrintStatus.RUNNING,
                requested_at__gte=jobs.stale_before(),
            ).count()
        )
        vp = VillagePrint.objects.create(
            kind=kind,
            paper=size,
            area_code=rows[0].village_id,
            requested_by=actor,
            base_url=base_url[:200],
            language=language,
            households=len(rows),
        )
        job = jobs.create_job(key=job_key(vp.pk), user_id=actor.pk)
        jobs.enqueue(
            print_task,
            job=job,
            sync=getattr(settings, "FUPIN_PRINT_SYNC", False),
            print_id=vp.pk,
        )
    vp.refresh_from_db()
    return vp


@task()
def print_task(*, print_id: int) -> None:
    """The task `start_village_print` enqueues."""
    run_village_print(print_id=print_id)


def run_village_print(*, print_id: int) -> None:
    vp = VillagePrint.objects.select_related("requested_by").get(pk=print_id)
    if vp.status != c.PrintStatus.RUNNING:
        return
    job = jobs.get_job(job_key(vp.pk)) or jobs.create_job(
        key=job_key(vp.pk), user_id=vp.requested_by_id
    )
    progress = jobs.Progress(job.pk)
    actor = vp.requested_by
    try:
        progress("build", 0.1)
        with translation.override(vp.language or None):
            households = services.with_rows(village_households(actor, vp.area_code))
            if vp.kind == c.PrintKind.HANDBOOK:
                services.check_handbook(actor)
                data, phones = services.handbooks_pdf(
                    actor, households, vp.paper, None, vp.base_url
                )
                ids = 0
            else:
                data, ids = services.files_pdf(actor, households, vp.paper)
                phones = 0
        with transaction.atomic():
            if jobs.lock_job(job.pk).finished_at is not None:
                return  # another run of this task ended it
            name = f"{vp.kind}-{vp.area_code}-{vp.paper}-{vp.pk}.pdf"
            vp.file.save(name, ContentFile(data), save=False)
            vp.content_type, vp.file_size = PDF, len(data)
            vp.record = services.log_print(
                actor,
                kind=vp.kind,
                size=vp.paper,
                households=households,
                area_code=vp.area_code,
                phones=phones,
                ids=ids,
            )
            vp.households = len(households)
            vp.status = c.PrintStatus.FINISHED
            vp.finished_at = timezone.now()
            vp.save()
            jobs.finish(job.pk, phase="finished")
    except Exception as exc:
        logger.exception("village print %s failed", vp.pk)
        with transaction.atomic():
            VillagePrint.objects.filter(pk=vp.pk).update(
                status=c.PrintStatus.FAILED,
                finished_at=timezone.now(),
                message=f"{type(exc).__name__}: {exc}"[:2000],
            )
            jobs.finish(job.pk, phase="failed", failed=True)
    finally:
        progress.close()


# ------------------------------------------------------------------ reading


def print_get(*, user: User, pk: int) -> VillagePrint:
    """A print the user asked for, of a village still in their area (else OutsideArea)."""
    vp = VillagePrint.objects.restrict(user).filter(pk=pk, requested_by=user).first()
    if vp is None:
        raise OutsideArea()
    return vp


def prints_of(*, user: User, village_code: str, limit: int = 10) -> list[VillagePrint]:
    """The user's latest prints of a village."""
    return list(
        VillagePrint.objects.restrict(user).filter(requested_by=user, area_code=village_code)[
            :limit
        ]
    )


def progress_of(vp: VillagePrint) -> dict[str, Any]:
    if vp.status == c.PrintStatus.FINISHED:
        return {"phase": "finished", "fraction": 1.0, "failed": False}
    if vp.status == c.PrintStatus.FAILED:
        return {"phase": "failed", "fraction": 1.0, "failed": True}
    job = jobs.get_job(job_key(vp.pk))
    if job is None:
        return {"phase": "queued", "fraction": 0.0, "failed": False}
    return {"phase": job.phase, "fraction": job.fraction, "failed": job.failed}


def phase_label(state: dict[str, Any]) -> str:
    return str(PHASES.get(state.get("phase", ""), state.get("phase", "")))
