"""The ledgers' workbook download (each ledger's export page, for the roles that may
export an area): the area of the user as a workbook in the import's layout, in a
temporary directory that goes away once the file is sent."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from fupin.core.scope import area_prefix_of
from fupin.programmes import ledgers, workbook


def ledger_download(request: HttpRequest, key: str) -> FileResponse:
    prefix = area_prefix_of(request.user)
    if prefix is None:
        raise Http404
    download = workbook.export_download(ledgers.get(key), request.user, prefix)
    return FileResponse(download, as_attachment=True, filename=f"{key}.xlsx")
