"""Pieces of the ledgers' pages: a household and its current members for a form that
records a row of it, and a ledger's workbook of the user's area as a download."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.http import FileResponse, Http404, HttpRequest

from fupin.core.scope import area_prefix_of
from fupin.exchange.jobs import TemporaryDownload
from fupin.programmes import ledgers, workbook
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household, Member


def workbook_download(request: HttpRequest, key: str) -> FileResponse:
    """The ledger `key`'s rows of the user's area, in the import's layout. The workbook
    (personal data) lives only while it is sent (exchange's temporary download). The page
    calling this requires the area-export capability, like the other exports."""
    user = request.user
    prefix = area_prefix_of(user)
    if prefix is None:
        raise Http404
    name = f"{key}.xlsx"
    directory = Path(tempfile.mkdtemp(prefix=f"fupin-{key}-"))
    try:
        path = directory / name
        workbook.export_workbook(ledgers.get(key), user, prefix, path)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return FileResponse(TemporaryDownload(path, directory), as_attachment=True, filename=name)


def household_and_members(user: Any, pk: int) -> tuple[Household, list[Member]]:
    """The household (in the user's scope, else 404) and its current members, the
    choices of a form recording a row of a ledger for one of them."""
    household = registry_selectors.household_queryset(user).filter(pk=pk).first()
    if household is None:
        raise Http404
    return household, list(household.members.filter(is_active=True).order_by("id"))


def chosen(members: list[Member], pk: int | None) -> Member | None:
    """The member a form's choice names (None when it names none of them)."""
    return next((m for m in members if m.pk == pk), None)
