"""Uploaded files (evidence, photos, attachments) are personal data: they are served by
scoped views, never from a public /media/ URL. This module is the one upload policy of the
project and the one way those views answer.

The policy, in one place:
- a file's type is what its bytes say (sniffed with `puremagic`), never the name or the
  type the browser claims;
- evidence (case steps, project steps, supervision, scoring, household attachments, visit
  photos) may be a JPEG, PNG or WebP image or a PDF, at most MAX_UPLOAD_BYTES;
- images are decoded and re-encoded with Pillow (metadata dropped, anything hidden after
  or inside the picture gone), so what is stored is a picture and nothing else;
- workbooks and zip files (imports, comparisons) are checked against decompression bombs
  (the total uncompressed size and the compression ratio) before anything reads them;
- a stored file is shown in the browser only when its sniffed type is on INLINE_TYPES;
  everything else is served as an attachment (a download), typed by its sniffed content.
"""

from __future__ import annotations

import functools
import hashlib
import io
import warnings
import zipfile
from pathlib import Path
from typing import Any

import puremagic
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from fupin.core.errors import ValidationFailed

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMAGE_FORMATS = {JPEG: ("JPEG", ".jpg"), PNG: ("PNG", ".png"), WEBP: ("WEBP", ".webp")}
# What evidence may be; what a browser may show in the page (everything else downloads).
IMAGE_TYPES = frozenset(IMAGE_FORMATS)
EVIDENCE_TYPES = frozenset({JPEG, PNG, WEBP, PDF})
INLINE_TYPES = frozenset({JPEG, PNG, WEBP, PDF})
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A registry import (a county's workbook, CSV, or zip of CSV files).
MAX_IMPORT_BYTES = 200 * 1024 * 1024
# Department files for a comparison: a CSV or a workbook of one department's list.
MAX_DATA_FILE_BYTES = 50 * 1024 * 1024
# A zip (an xlsx is one) may expand to this much in all, and no member more than
# MAX_ZIP_RATIO times its compressed size (a zip bomb stops here, before it is read).
MAX_UNZIPPED_BYTES = 800 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_IMAGE_PIXELS = 50_000_000
SNIFF_BYTES = 8192


class UploadRefused(ValueError):
    """An upload the policy refuses; str(error) is the message for the user."""


def sniff(head: bytes) -> str:
    """The content type the bytes say ("" when they say nothing we know). Any zip-based
    format (xlsx, docx, ...) is reported as ZIP: what is inside is checked separately."""
    if not head:
        return ""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return ZIP
    try:
        return puremagic.from_string(head, mime=True) or ""
    except (puremagic.PureError, ValueError):
        return ""


# An uploaded file (UploadedFile) or any Django File opened in binary mode.
type Upload = File[Any]


def _read(upload: Upload, limit: int) -> bytes:
    upload.seek(0)
    data: bytes = upload.read(limit + 1)
    upload.seek(0)
    return data


def _too_large(limit: int) -> str:
    if limit == 20 * 1024 * 1024:
        return _("The file is larger than 20 MB.")
    return _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}


def _reencode(data: bytes, content_type: str) -> bytes:
    """The picture decoded and written again in its own format, without metadata; raises
    UploadRefused when the bytes are not a whole picture of that type."""
    fmt, _ext = IMAGE_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as opened:
                if opened.width * opened.height > MAX_IMAGE_PIXELS:
                    raise UploadRefused(_("The picture has too many pixels."))
                opened.load()
                im = ImageOps.exif_transpose(opened)
                if fmt == "JPEG" and im.mode not in ("RGB", "L"):
                    im = im.convert("RGB")
                out = io.BytesIO()
                options = {} if fmt == "PNG" else {"quality": 90}
                im.save(out, format=fmt, **options)
                return out.getvalue()
    except UploadRefused:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning) as exc:
        raise UploadRefused(_("The picture cannot be read.")) from exc


def clean_upload(
    upload: Upload,
    *,
    allowed: frozenset[str] = EVIDENCE_TYPES,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> SimpleUploadedFile:
    """The upload as the policy keeps it: a new file whose `content_type` is the sniffed
    type and whose name ends with that type's extension, images re-encoded. Raises
    UploadRefused otherwise."""
    if upload.size is not None and upload.size > max_bytes:
        raise UploadRefused(_too_large(max_bytes))
    data = _read(upload, max_bytes)
    if len(data) > max_bytes:
        raise UploadRefused(_too_large(max_bytes))
    content_type = sniff(data[:SNIFF_BYTES])
    if content_type not in allowed:
        raise UploadRefused(_("Upload a JPEG, PNG, WebP image or a PDF."))
    stem = Path(upload.name or "file").stem[:80] or "file"
    if content_type in IMAGE_FORMATS:
        data = _reencode(data, content_type)
        ext = IMAGE_FORMATS[content_type][1]
    elif content_type == PDF:
        ext = ".pdf"
    else:
        ext = Path(upload.name or "").suffix.lower()[:10]
    return SimpleUploadedFile(stem + ext, data, content_type=content_type)


def accept_upload(
    upload: Upload | None,
    *,
    field: str = "file",
    allowed: frozenset[str] = EVIDENCE_TYPES,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> SimpleUploadedFile | None:
    """For services: `upload = accept_upload(upload)` keeps the cleaned file (None stays
    None) or raises ValidationFailed on `field` with the reason."""
    if upload is None:
        return None
    try:
        return clean_upload(upload, allowed=allowed, max_bytes=max_bytes)
    except UploadRefused as exc:
        raise ValidationFailed({field: [str(exc)]}) from None


def check_zip(
    upload: Upload, *, max_total: int = MAX_UNZIPPED_BYTES, max_ratio: int = MAX_ZIP_RATIO
) -> None:
    """Raise UploadRefused unless the upload is a zip (an xlsx is one) that expands to at
    most `max_total` bytes with no member compressed more than `max_ratio` to one. Only
    the zip's directory is read, nothing is decompressed."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadRefused(_("The zip file cannot be opened.")) from exc
    finally:
        upload.seek(0)
    total = 0
    for m in members:
        total += m.file_size
        ratio = m.file_size / max(m.compress_size, 1)
        if total > max_total or (m.file_size > 1024 * 1024 and ratio > max_ratio):
            raise UploadRefused(
                _("The file expands to too much data when unpacked; it is refused.")
            )


def check_data_file(upload: Upload, *, max_bytes: int = MAX_DATA_FILE_BYTES) -> str:
    """A department or import file (CSV, xlsx, zip of CSV): size cap, sniffed type and,
    for a workbook or zip, the decompression-bomb check. Returns "zip" or "text"; raises
    UploadRefused."""
    if upload.size is not None and upload.size > max_bytes:
        raise UploadRefused(_too_large(max_bytes))
    head = _read(upload, SNIFF_BYTES)[:SNIFF_BYTES]
    content_type = sniff(head)
    if content_type == ZIP:
        check_zip(upload)
        return "zip"
    if content_type or b"\x00" in head:
        # A known binary type that is not a zip, or not text at all.
        raise UploadRefused(_("Upload a CSV or xlsx file."))
    return "text"


def private_file(
    file: FieldFile | None, content_type: str = "", *, as_attachment: bool = False
) -> FileResponse:
    """The stored file as a response that browsers and proxies must not cache or sniff;
    shown inline only when the bytes are of a type on INLINE_TYPES (and the caller does
    not ask for a download), else served as an attachment. `content_type` (the stored,
    client-given type) is ignored: the type is what the bytes say. 404 when there is no
    file or it is missing from storage."""
    if not file:
        raise Http404
    try:
        fh = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    head = fh.read(SNIFF_BYTES)
    fh.seek(0)
    sniffed = sniff(head)
    inline = sniffed in INLINE_TYPES and not as_attachment
    response = FileResponse(
        fh,
        as_attachment=not inline,
        filename=(file.name or "").rsplit("/", 1)[-1],
        content_type=sniffed if sniffed in INLINE_TYPES else "application/octet-stream",
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
            for block in iter(functools.partial(f.read, 1 << 20), b""):
                h.update(block)
    return h.hexdigest()
