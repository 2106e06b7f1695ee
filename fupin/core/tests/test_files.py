import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile, FileField
from django.http import Http404

from fupin.core.files import private_file


def field_file(tmp_path, name):
    field = FileField(storage=FileSystemStorage(location=tmp_path))
    field.name = "file"
    return FieldFile(None, field, name)


def test_a_stored_file_is_served_private_and_unsniffed(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("evidence/整改报告.pdf", ContentFile(b"%PDF-1.4 test"))
    response = private_file(field_file(tmp_path, name), "application/pdf", as_attachment=True)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")


def test_no_file_or_a_file_missing_from_storage_is_404(tmp_path):
    with pytest.raises(Http404):
        private_file(field_file(tmp_path, ""))
    with pytest.raises(Http404):
        private_file(field_file(tmp_path, "gone/photo.jpg"), "image/jpeg")
