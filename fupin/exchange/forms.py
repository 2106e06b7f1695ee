from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from fupin.exchange import jobs
from fupin.exchange.models import ExchangeRun

FORMATS = [
    ("xlsx", _("Excel workbook (.xlsx)")),
    ("csv", _("CSV files (three files in one .zip)")),
]


class ExportForm(forms.Form):
    # A code, not a choice: the select offers the user's area, and export_registry decides
    # scope (a code outside the area is a 404, as everywhere).
    area = forms.CharField(
        label=_("Area"),
        max_length=12,
        validators=[RegexValidator(r"^\d{2,12}$", _("Choose an area from the list."))],
        widget=forms.Select,
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=FORMATS, initial="xlsx", widget=forms.RadioSelect
    )
    template = forms.BooleanField(
        label=_("Empty template (headers and drop-down lists, no data)"), required=False
    )

    def __init__(
        self, *args: Any, area_choices: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].widget.choices = list(area_choices)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook"))
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=ExchangeRun.Mode.choices,
        initial=ExchangeRun.Mode.UPSERT,
        widget=forms.RadioSelect,
    )
    dry_run = forms.BooleanField(label=_("Dry run: check only, write nothing"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "An xlsx workbook, a CSV file, or the three CSV files of an export in one .zip; "
            "at most %(mb)s MB."
        ) % {"mb": jobs.MAX_UPLOAD_BYTES // (1024 * 1024)}

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        try:
            jobs.check_upload(upload)
        except jobs.UploadError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload
