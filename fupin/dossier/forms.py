from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StatementForm(forms.Form):
    surveyed_on = forms.DateField(
        label=_("Surveyed on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Left empty: the standard attestation, in Chinese, with the survey's date."),
    )
    upload = forms.FileField(
        label=_("Scan of the signed paper"),
        required=False,
        help_text=_("Without a scan, you sign the statement yourself, as the surveyor."),
    )
    surveyor_name = forms.CharField(
        label=_("Surveyor who signed the paper"), required=False, max_length=50
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["surveyed_on"].initial = timezone.localdate()
