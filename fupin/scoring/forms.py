"""Forms parse and render input only; the services validate what matters."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.scoring import choices as c
from fupin.scoring.sources import SOURCES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SheetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)
    consolidate_threshold = forms.DecimalField(
        label=_("Consolidate at or above (points)"), max_digits=5, decimal_places=1, initial=90
    )
    yellow_threshold = forms.DecimalField(
        label=_("Yellow card below (points)"), max_digits=5, decimal_places=1, initial=80
    )
    key_threshold = forms.DecimalField(
        label=_("Key management below (points)"), max_digits=5, decimal_places=1, initial=60
    )
    key_consecutive_rounds = forms.IntegerField(
        label=_("Key management after this many yellow rounds running"),
        min_value=2,
        max_value=10,
        initial=2,
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)


class ItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20, required=False)
    text = forms.CharField(
        label=_("Item"), max_length=300, required=False, widget=forms.TextInput(attrs={"size": 50})
    )
    max_points = forms.DecimalField(
        label=_("Maximum points"), max_digits=5, decimal_places=1, required=False
    )
    evidence_required = forms.BooleanField(label=_("Evidence required"), required=False)


ItemFormSet = forms.formset_factory(ItemForm, extra=3, max_num=60)


class RoundForm(forms.Form):
    sheet = forms.ChoiceField(label=_("Scoring sheet"))
    area = forms.ChoiceField(label=_("Area"))
    name = forms.CharField(label=_("Name"), max_length=100)
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args, sheets, areas, **kwargs):
        super().__init__(*args, **kwargs)
        sheet = cast(forms.ChoiceField, self.fields["sheet"])
        sheet.choices = [(s.pk, f"{s.region.name} · {s}") for s in sheets]
        cast(forms.ChoiceField, self.fields["area"]).choices = areas


class ScoreForm(forms.Form):
    """One points field and one evidence field per item of the round's sheet."""

    scored_on = forms.DateField(label=_("Scored on"), widget=DATE)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 2}))
    attachment = forms.FileField(label=_("Evidence file"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"points_{item.code}"] = forms.CharField(
                label=_("Points"),
                max_length=6,
                widget=forms.TextInput(attrs={"size": 5, "inputmode": "decimal"}),
            )
            self.fields[f"evidence_{item.code}"] = forms.CharField(
                label=_("Evidence"),
                required=False,
                max_length=2000,
                widget=forms.TextInput(attrs={"size": 40}),
            )

    def meta_fields(self):
        return [self[n] for n in ("scored_on", "notes", "attachment", "reason")]

    def rows(self):
        for item in self.items:
            yield item, self[f"points_{item.code}"], self[f"evidence_{item.code}"]

    def points(self) -> dict[str, str | None]:
        return {i.code: self.cleaned_data.get(f"points_{i.code}") for i in self.items}

    def evidence(self) -> dict[str, str]:
        return {i.code: self.cleaned_data.get(f"evidence_{i.code}", "") for i in self.items}


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)


class SchemeForm(forms.Form):
    """The scheme's fields and, per indicator source, whether it is used, its weight and
    direction."""

    name = forms.CharField(label=_("Name"), max_length=100)
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)
    subjects = forms.ChoiceField(label=_("Compared"), choices=c.SubjectKind.choices)
    normalisation = forms.ChoiceField(label=_("Normalisation"), choices=c.Normalisation.choices)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in SOURCES:
            self.fields[f"use_{code}"] = forms.BooleanField(required=False, label=_("Used"))
            self.fields[f"weight_{code}"] = forms.DecimalField(
                required=False, max_digits=6, decimal_places=2, label=_("Weight")
            )
            self.fields[f"higher_{code}"] = forms.BooleanField(
                required=False, label=_("Higher is better")
            )

    def meta_fields(self):
        names = ("region", "name", "year", "subjects", "normalisation", "reason")
        return [self[n] for n in names if n in self.fields]

    def rows(self):
        for code, source in SOURCES.items():
            yield (
                c.IndicatorSource(code).label,
                source.definition,
                self[f"use_{code}"],
                self[f"weight_{code}"],
                self[f"higher_{code}"],
            )

    def indicators(self) -> list[dict]:
        d = self.cleaned_data
        return [
            {
                "source": code,
                "weight": d.get(f"weight_{code}"),
                "higher_is_better": d.get(f"higher_{code}", False),
            }
            for code in SOURCES
            if d.get(f"use_{code}")
        ]


# Yearly assessment of paired cadres and work teams ------------------------------------


class AssessmentSchemeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)
    subjects = forms.ChoiceField(label=_("Assessed"), choices=c.Assessed.choices)
    excellent_threshold = forms.DecimalField(
        label=_("Excellent at or above (points)"), max_digits=5, decimal_places=1, initial=90
    )
    competent_threshold = forms.DecimalField(
        label=_("Competent at or above (points)"), max_digits=5, decimal_places=1, initial=75
    )
    basic_threshold = forms.DecimalField(
        label=_("Basically competent at or above (points)"),
        max_digits=5,
        decimal_places=1,
        initial=60,
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)


class AssessmentItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20, required=False)
    text = forms.CharField(
        label=_("Item"), max_length=300, required=False, widget=forms.TextInput(attrs={"size": 40})
    )
    source = forms.ChoiceField(label=_("Source"), choices=c.ItemSource.choices, required=False)
    max_points = forms.DecimalField(
        label=_("Maximum points"), max_digits=5, decimal_places=1, required=False
    )


AssessmentItemFormSet = forms.formset_factory(AssessmentItemForm, extra=2, max_num=30)


class ManualPointsForm(forms.Form):
    subject = forms.ChoiceField(label=_("Assessed"))
    item = forms.ChoiceField(label=_("Item"))
    points = forms.DecimalField(label=_("Points"), max_digits=5, decimal_places=1)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)

    def __init__(self, *args, subjects=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["subject"]).choices = list(subjects)
        cast(forms.ChoiceField, self.fields["item"]).choices = list(items)
