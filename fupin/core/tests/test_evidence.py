"""The abstract evidence models of `fupin.core.models`: one way to keep an accepted upload
(the file, the type its bytes say, its size) and one way to serve it; the concrete models
keep their columns, and so the keys of their change records."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from PIL import Image

from fupin.assistance.models import Visit
from fupin.cases.models import CaseStep
from fupin.core.files import accept_upload
from fupin.core.history import snapshot
from fupin.core.models import ChangeRecord, EvidenceFile, EvidenceStep
from fupin.projects.models import ProjectStep
from fupin.registry import services
from fupin.registry.models import Attachment
from fupin.scoring.models import VillageScore
from fupin.supervision.models import Finding, Rectification, Task


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (0, 128, 0)).save(out, format="PNG")
    return out.getvalue()


def accepted_png(name: str = "房屋照片.PNG"):
    # The browser's claim is wrong on purpose: the kept type is what the bytes say.
    upload = SimpleUploadedFile(name, png_bytes(), content_type="application/octet-stream")
    return accept_upload(upload)


def stored(name: str, data: bytes) -> str:
    return default_storage.save(name, ContentFile(data))


def test_attach_keeps_the_file_its_sniffed_type_and_its_size():
    upload = accepted_png()
    a = Attachment(title="x")
    a.attach(upload)
    assert a.file.name == "房屋照片.png"
    assert a.content_type == "image/png"
    assert a.size == upload.size > 0


def test_attach_without_an_upload_leaves_the_model_as_it_is():
    step = ProjectStep(file="projects/old.pdf", content_type="application/pdf", size=12)
    step.attach(None)
    assert (step.file.name, step.content_type, step.size) == (
        "projects/old.pdf",
        "application/pdf",
        12,
    )


@pytest.mark.parametrize(
    ("model", "file_field", "type_field"),
    [(Visit, "photo", "photo_type"), (VillageScore, "attachment", "attachment_type")],
)
def test_a_model_with_other_column_names_names_them(model, file_field, type_field):
    obj = model()
    obj.attach(accepted_png())
    assert getattr(obj, file_field).name == "房屋照片.png"
    assert getattr(obj, type_field) == "image/png"
    assert obj.evidence_file.name == "房屋照片.png"
    assert not hasattr(obj, "size")  # these models have no size column


def test_every_model_with_evidence_uses_the_core_models():
    for model in (CaseStep, ProjectStep):
        assert issubclass(model, EvidenceStep)
    for model in (Finding, Rectification, Task, Attachment):
        assert issubclass(model, EvidenceFile) and not issubclass(model, EvidenceStep)


def test_a_signed_step_names_its_actor_or_the_system(users):
    step = CaseStep()
    step.sign(users["village"])
    assert (step.actor, step.actor_name) == (users["village"], "village")
    step.sign(None)
    assert (step.actor, step.actor_name) == (None, "system")


def test_a_step_file_is_always_a_download_other_evidence_shows_inline(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    name = stored("evidence/scan.png", png_bytes())
    step = CaseStep(file=name)
    response = step.file_response()
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    finding = Finding(file=name)
    assert finding.file_response()["Content-Disposition"].startswith("inline")
    assert finding.file_response(as_attachment=True)["Content-Disposition"].startswith("attachment")
    # The type served is what the bytes say, never the stored label.
    finding.content_type = "application/pdf"
    assert finding.file_response()["Content-Type"] == "image/png"


def test_no_file_is_not_found():
    with pytest.raises(Http404):
        Task().file_response()
    with pytest.raises(Http404):
        Visit().file_response()


def test_an_attachment_kept_by_the_service_is_served_in_scope_only(client, users, household):
    attachment = services.attachment_add(
        actor=users["village"],
        household=household,
        kind="photo",
        title="房屋照片",
        upload=SimpleUploadedFile("house.jpeg", png_bytes(), content_type="image/jpeg"),
    )
    attachment.refresh_from_db()
    assert attachment.content_type == "image/png"
    assert attachment.size == attachment.file.size > 0
    assert attachment.file.name.endswith(".png")
    record = ChangeRecord.objects.get(object_type="registry.attachment")
    assert record.post_data["content_type"] == "image/png"
    assert record.post_data["size"] == attachment.size
    url = reverse("attachment_download", args=[household.pk, attachment.pk])
    client.force_login(users["township"])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    client.force_login(users["other_county"])
    assert client.get(url).status_code == 404


# The keys of each model's change records (`core.history.snapshot`), as before the models
# shared the abstract ones: as-of reads and history pages depend on them.
SNAPSHOT_KEYS = {
    CaseStep: "actor_id actor_name case_id content_type decision done_at evidence file id index"
    " reason size step",
    ProjectStep: "action actor_id actor_name content_type done_at evidence file from_state id"
    " project_id reason size to_state",
    Finding: "category content_type created_at created_by_id deadline description failed_on"
    " failed_reason file found_on id inspection_id rectified_on severity size status unit_id",
    Rectification: "content_type file finding_id id report size submitted_by_id"
    " submitted_by_name submitted_on verdict verified_by_id verified_by_name verified_on"
    " verify_notes",
    Task: "completed_by_id completed_by_name completed_on content_type description due_date"
    " evidence file id size task_list_id title unit_id",
    Attachment: "content_type file household_id id kind size title uploaded_at uploaded_by_id",
    Visit: "cadre_id date household_id id notes photo photo_type purpose recorded_at"
    " recorded_by_id",
    VillageScore: "attachment attachment_type grade id notes round_id scored_on scorer_id"
    " scorer_name total village_id",
}


@pytest.mark.parametrize("model", list(SNAPSHOT_KEYS), ids=lambda m: m.__name__)
def test_change_records_keep_their_keys(model):
    assert set(snapshot(model())) == set(SNAPSHOT_KEYS[model].split())
