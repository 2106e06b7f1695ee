"""Uploaded files (evidence, photos, attachments) are personal data: they are served by
scoped views, never from a public /media/ URL. This is the one way those views answer."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def private_file(
    file: FieldFile | None, content_type: str = "", *, as_attachment: bool = False
) -> FileResponse:
    """The stored file as a response that browsers and proxies must not cache or sniff;
    404 when there is no file or it is missing from storage."""
    if not file:
        raise Http404
    try:
        fh = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        fh,
        as_attachment=as_attachment,
        filename=file.name.rsplit("/", 1)[-1],
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def file_sha256(*paths: str | Path) -> str:
    """The SHA-256 of a file (of several files read one after the other, e.g. the sheets
    of a workbook saved as CSV), read in 1 MB blocks."""
    h = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            for block in iter(lambda f=f: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()
