"""Forms parse input only; the services validate."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.assessment import sampling as S
from fupin.assessment.models import Contact

YES_NO = [("yes", pgettext_lazy("answer", "Yes")), ("no", pgettext_lazy("answer", "No"))]


class AssessmentForm(forms.Form):
    county = forms.ChoiceField(label=_("County"))
    name = forms.CharField(
        label=pgettext_lazy("assessment", "Name"), max_length=100, required=False
    )
    seed = forms.IntegerField(
        label=_("Random seed"),
        required=False,
        min_value=0,
        help_text=_(
            "Leave empty for a random seed. The seed is stored: the sample can be "
            "drawn again from it by anyone, to check it."
        ),
    )
    in_poverty = forms.IntegerField(
        label=_("Households per village: registered, in poverty"),
        min_value=0,
        initial=S.DEFAULT_SIZES[S.IN_POVERTY],
    )
    exited = forms.IntegerField(
        label=_("Households per village: registered, exited"),
        min_value=0,
        initial=S.DEFAULT_SIZES[S.EXITED],
    )
    non_registered = forms.IntegerField(
        label=_("Households per village: not registered"),
        min_value=0,
        initial=S.DEFAULT_SIZES[S.NON_REGISTERED],
    )
    target_missed_poor = forms.DecimalField(
        label=_("Target: missed-poor rate below"), initial="0.02", decimal_places=4
    )
    target_wrong_inclusion = forms.DecimalField(
        label=_("Target: wrong-inclusion rate below"), initial="0.02", decimal_places=4
    )
    target_wrong_exit = forms.DecimalField(
        label=_("Target: wrong-exit rate below"), initial="0.02", decimal_places=4
    )
    target_approval = forms.DecimalField(
        label=_("Target: approval at least"), initial="0.90", decimal_places=4
    )
    snapshot_ref = forms.CharField(
        label=_("Indicators snapshot (optional)"), max_length=40, required=False
    )
    reason = forms.CharField(label=_("Reason or mandate"), max_length=500, required=False)

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["county"]).choices = [
            (d.code, d.name) for d in counties
        ]

    def sizes(self) -> dict[str, int]:
        return {s: self.cleaned_data[s] for s in S.STRATA}

    def targets(self) -> dict[str, object]:
        return {k: v for k, v in self.cleaned_data.items() if k.startswith("target_")}


class ResponseForm(forms.Form):
    contact = forms.ChoiceField(
        label=_("Contact"), choices=Contact.choices, initial=Contact.SURVEYED
    )
    head_name = forms.CharField(label=_("Head of household found"), max_length=50, required=False)
    is_poor = forms.ChoiceField(
        label=_("Is the household poor by the policy test?"),
        help_text=_(
            "Income per person below the line, or food, clothing, compulsory "
            "education, basic medical care, safe housing or safe water not secured."
        ),
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    exit_correct = forms.ChoiceField(
        label=_("Was the exit correct?"),
        help_text=_(
            "Income per person stably above the line and the two no-worries and "
            "three guarantees met."
        ),
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    approves = forms.ChoiceField(
        label=_("Does the family approve of the poverty-alleviation work?"),
        help_text=_("Policies, measures and results, the exit itself, and the cadres' help."),
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    surveyor = forms.CharField(label=_("Surveyor"), max_length=50)
    surveyed_on = forms.DateField(
        label=_("Surveyed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reason = forms.CharField(label=_("Reason for a correction"), max_length=500, required=False)

    def __init__(self, *args, stratum: str, **kwargs):
        super().__init__(*args, **kwargs)
        if stratum == S.EXITED:
            del self.fields["is_poor"]
        else:
            del self.fields["exit_correct"]
        if stratum != S.NON_REGISTERED:
            del self.fields["head_name"]
        if not self.is_bound and "surveyed_on" not in self.initial:
            self.initial["surveyed_on"] = timezone.localdate()

    def data_for_service(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}


def answer_initial(response) -> dict:
    """The form's initial values from a stored response."""

    def yn(v):
        return "" if v is None else ("yes" if v else "no")

    return {
        "contact": response.contact,
        "head_name": response.head_name,
        "is_poor": yn(response.is_poor),
        "exit_correct": yn(response.exit_correct),
        "approves": yn(response.approves),
        "surveyor": response.surveyor,
        "surveyed_on": response.surveyed_on,
        "notes": response.notes,
    }
