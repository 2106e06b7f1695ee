from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.compare.models import DatasetKind, FindingStatus, Rule
from fupin.core import files

BLANK = [("", "—")]


class FindingFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Dataset"), required=False, choices=[*BLANK, *DatasetKind.choices]
    )
    rule = forms.ChoiceField(label=_("Rule"), required=False, choices=[*BLANK, *Rule.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[*BLANK, *FindingStatus.choices]
    )
    area = forms.ChoiceField(label=_("Township or village"), required=False)

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [*BLANK, *area_choices]


class RunForm(forms.Form):
    kind = forms.ChoiceField(label=_("Dataset"), choices=DatasetKind.choices)
    file = forms.FileField(
        label=_("Department file"), help_text=_("CSV (UTF-8 or GB18030) or Excel (.xlsx).")
    )
    area = forms.ChoiceField(label=_("Area to compare"), required=False)
    medical_threshold = forms.DecimalField(
        label=_("Out-of-pocket threshold (yuan a year)"),
        required=False,
        min_value=0,
        help_text=_("Medical spending only; empty = the configured default."),
    )

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [
            ("", _("My whole area")),
            *area_choices,
        ]

    def clean_file(self):
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not name.endswith((".csv", ".txt", ".xlsx", ".xlsm")):
            raise forms.ValidationError(_("Upload a CSV or xlsx file."))
        try:  # size cap, sniffed type, decompression-bomb check of a workbook
            kind = files.check_data_file(f)
        except files.UploadRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        if (kind == "zip") != name.endswith((".xlsx", ".xlsm")):
            raise forms.ValidationError(_("Upload a CSV or xlsx file."))
        return f


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=FindingStatus.choices)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
