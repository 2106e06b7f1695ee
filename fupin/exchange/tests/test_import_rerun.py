"""A task of an import run again (its worker died, or two workers were given it): the
import's rows are written once, by the write transaction that also records it in the job
(fupin/exchange/jobs.py run_import, fupin/exchange/importer.py on_written/before_write)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from conftest import VILLAGE
from fupin.core import jobs as core_jobs
from fupin.core.models import ChangeRecord, Job
from fupin.exchange import jobs
from fupin.exchange.models import ExchangeRun
from fupin.exchange.tests.test_worker_import import households
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def run(job: Job, actor) -> int | None:
    path = jobs.save_upload(SimpleUploadedFile("r.zip", households(3)))
    return jobs.run_import(
        job_id=job.pk,
        actor_id=actor.pk,
        path=str(path),
        file_name="r.zip",
        mode=ExchangeRun.Mode.UPSERT,
        dry_run=False,
        language="en",
    )


def test_a_job_records_its_run_and_that_it_was_written(users):
    job = core_jobs.create_job(key="exchange.import:a", user_id=users["village"].pk)
    run_id = run(job, users["village"])
    job.refresh_from_db()
    assert job.result == {"started": run_id, "written": run_id, "run": run_id}
    assert job.phase == "finished" and not job.failed
    assert ExchangeRun.objects.get(pk=run_id).status == ExchangeRun.Status.DONE
    assert Household.objects.filter(village_id=VILLAGE).count() == 3


def test_run_again_after_the_write_committed_writes_nothing_and_ends_the_job(users):
    job = core_jobs.create_job(key="exchange.import:b", user_id=users["village"].pk)
    run_id = run(job, users["village"])
    records = ChangeRecord.objects.count()
    # As a worker killed after the write transaction's commit, before the job's end.
    Job.objects.filter(pk=job.pk).update(
        finished_at=None, phase="write", result={"started": run_id, "written": run_id}
    )
    assert run(job, users["village"]) == run_id
    job.refresh_from_db()
    assert job.phase == "finished" and job.finished_at is not None
    assert job.result["run"] == run_id
    assert ExchangeRun.objects.count() == 1
    assert Household.objects.filter(village_id=VILLAGE).count() == 3
    assert ChangeRecord.objects.count() == records


def test_run_again_before_the_write_marks_the_earlier_run_failed_and_imports_once(users):
    job = core_jobs.create_job(key="exchange.import:c", user_id=users["village"].pk)
    # As a worker killed while it checked the file: its run committed, nothing written.
    earlier = ExchangeRun.objects.create(
        direction=ExchangeRun.Direction.IMPORT, user=users["village"], file_name="r.zip"
    )
    core_jobs.record(job.pk, started=earlier.pk)
    run_id = run(job, users["village"])
    assert run_id != earlier.pk
    earlier.refresh_from_db()
    assert earlier.status == ExchangeRun.Status.FAILED
    with translation.override("en"):  # the language the job ran in (`run`)
        assert earlier.message == str(jobs.INTERRUPTED)
    assert ExchangeRun.objects.get(pk=run_id).status == ExchangeRun.Status.DONE
    assert Household.objects.filter(village_id=VILLAGE).count() == 3


def test_the_write_refuses_when_another_run_of_the_job_wrote_meanwhile(users):
    job = core_jobs.create_job(key="exchange.import:d", user_id=users["village"].pk)
    # Another worker's run of this job wrote after this run started (before_write's
    # re-check under the job's lock finds it).
    other = ExchangeRun.objects.create(
        direction=ExchangeRun.Direction.IMPORT,
        user=users["village"],
        file_name="r.zip",
        status=ExchangeRun.Status.DONE,
    )
    core_jobs.record(job.pk, written=other.pk)
    assert run(job, users["village"]) == other.pk
    mine = ExchangeRun.objects.exclude(pk=other.pk).get()
    assert mine.status == ExchangeRun.Status.FAILED
    assert Household.objects.filter(village_id=VILLAGE).count() == 0
    job.refresh_from_db()
    assert job.phase == "finished" and job.result["run"] == other.pk
