"""Forms of the funds pages: parse input only; the services validate."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.funds.choices import ProjectType
from fupin.funds.models import FundSource, SourceKind

BLANK = [("", "—")]


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of source"), choices=SourceKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AllocationForm(forms.Form):
    source = forms.ModelChoiceField(
        label=_("Fund source"), queryset=FundSource.objects.filter(active=True)
    )
    area = forms.ChoiceField(label=_("Area"))
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=0
    )
    allowed_uses = forms.MultipleChoiceField(
        label=_("Allowed uses"),
        choices=ProjectType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty when the money may go to any kind of project."),
    )
    document = forms.CharField(label=_("Document number"), max_length=100, required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = list(area_choices)
        self.fields["year"].initial = timezone.localdate().year


class AdjustForm(forms.Form):
    amount = forms.DecimalField(
        label=_("New amount (yuan)"), max_digits=14, decimal_places=2, min_value=0
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)


class AllocationFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    source = forms.TypedChoiceField(
        label=_("Fund source"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, years=(), sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["year"]).choices = BLANK + [(y, y) for y in years]
        cast(forms.ChoiceField, self.fields["source"]).choices = BLANK + [
            (s.pk, s.name) for s in sources
        ]
