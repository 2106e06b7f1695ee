"""Forms of the project pages: parse input only; the services validate."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.funds.templatetags.funds_tags import yuan
from fupin.projects.models import ProjectState, ProjectType

BLANK = [("", "—")]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Project name"), max_length=200)
    type = forms.ChoiceField(label=pgettext_lazy("project", "Type"), choices=ProjectType.choices)
    villages = forms.MultipleChoiceField(
        label=_("Villages"), widget=forms.SelectMultiple(attrs={"size": 8})
    )
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)
    responsible_unit = forms.CharField(label=_("Responsible unit"), max_length=200)
    budget_requested = forms.DecimalField(
        label=_("Budget requested (yuan)"), max_digits=14, decimal_places=2, min_value=0
    )
    starts_on = forms.DateField(label=_("Scheduled start"), widget=DATE)
    ends_on = forms.DateField(label=_("Scheduled end"), widget=DATE)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)

    def __init__(self, *args, village_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["villages"]).choices = list(village_choices)
        self.fields["year"].initial = timezone.localdate().year

    def project_data(self) -> dict:
        skip = {"villages", "reason"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class StepForm(forms.Form):
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea, required=False)
    file = forms.FileField(label=_("File"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class BudgetLineForm(forms.Form):
    allocation = forms.TypedChoiceField(label=_("Allocation"), coerce=int)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        help_text=_("Zero removes a line from which nothing was paid."),
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)

    def __init__(self, *args, allocations=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["allocation"]).choices = [
            (a.pk, f"{a.year} {a.source.name} · {a.area.name} · {yuan(a.balance)}")
            for a in allocations
        ]


class DisbursementForm(forms.Form):
    line = forms.TypedChoiceField(label=_("Budget line"), coerce=int)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=0
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    voucher = forms.CharField(label=_("Voucher number"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["line"]).choices = [
            (ln.pk, f"{ln.allocation.source.name} · {yuan(ln.remaining)}") for ln in lines
        ]
        self.fields["paid_on"].initial = timezone.localdate()


class CountersignForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Countersign")), ("refuse", _("Refuse"))],
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class BeneficiaryForm(forms.Form):
    households = forms.TypedMultipleChoiceField(
        label=_("Expected beneficiary households"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)

    def __init__(self, *args, households=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["households"]).choices = list(households)


class ProjectFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=pgettext_lazy("project", "State"),
        required=False,
        choices=[*BLANK, *ProjectState.choices],
    )
    type = forms.ChoiceField(
        label=pgettext_lazy("project", "Type"),
        required=False,
        choices=[*BLANK, *ProjectType.choices],
    )
    village = forms.ChoiceField(label=_("Village"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2013, max_value=2100)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, village_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["village"]).choices = [*BLANK, *village_choices]
