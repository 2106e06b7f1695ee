"""A ledger's workbook of an area as a download (the pages' "Export workbook")."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.http import FileResponse, Http404

from fupin.core.scope import area_prefix_of
from fupin.exchange.jobs import TemporaryDownload
from fupin.programmes import ledgers, workbook


def ledger_download(user: Any, key: str) -> FileResponse:
    """The ledger's rows of the user's whole area in the import's layout. The workbook
    names people: it lives only while it is sent (exchange's temporary download)."""
    prefix = area_prefix_of(user)
    if prefix is None:
        raise Http404
    directory = Path(tempfile.mkdtemp(prefix=f"fupin-{key}-"))
    try:
        path = directory / f"{key}.xlsx"
        workbook.export_workbook(ledgers.get(key), user, prefix, path)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return FileResponse(
        TemporaryDownload(path, directory), as_attachment=True, filename=f"{key}.xlsx"
    )
