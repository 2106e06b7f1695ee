"""Forms parse input only; the services validate and decide."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.supervision import choices as c

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 4, "cols": 60})


class AreaFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [("", _("All areas")), *area_choices]


class InspectionForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=c.InspectionKind.choices)
    area = forms.ChoiceField(label=_("area"))
    start_date = forms.DateField(label=_("start date"), widget=DATE)
    end_date = forms.DateField(label=_("end date"), widget=DATE)
    inspectors = forms.TypedMultipleChoiceField(
        label=_("inspectors"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("notes"), required=False, widget=TEXT)

    def __init__(self, *args, area_choices=(), inspector_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = list(area_choices)
        cast(forms.ChoiceField, self.fields["inspectors"]).choices = list(inspector_choices)


class FindingForm(forms.Form):
    unit = forms.TypedChoiceField(label=pgettext_lazy("supervision", "unit"), coerce=int)
    description = forms.CharField(label=_("description"), widget=TEXT)
    category = forms.ChoiceField(label=_("category"), choices=c.FindingCategory.choices)
    severity = forms.ChoiceField(label=_("severity"), choices=c.Severity.choices)
    found_on = forms.DateField(label=_("found on"), widget=DATE)
    deadline = forms.DateField(label=_("rectification deadline"), widget=DATE)
    file = forms.FileField(label=_("evidence file"), required=False)

    def __init__(self, *args, unit_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = list(unit_choices)


class RectificationForm(forms.Form):
    report = forms.CharField(label=_("rectification report"), widget=TEXT)
    file = forms.FileField(label=_("evidence file"), required=False)


class VerifyForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("verification"),
        choices=[
            (c.Verdict.ACCEPTED, c.Verdict.ACCEPTED.label),
            (c.Verdict.REJECTED, c.Verdict.REJECTED.label),
        ],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(label=_("verification notes"), required=False, widget=TEXT)


class FailForm(forms.Form):
    reason = forms.CharField(label=_("why it failed"), widget=TEXT)


class DecisionForm(forms.Form):
    state = forms.ChoiceField(
        label=_("decision"),
        choices=[
            (c.EscalationState.ISSUED, c.EscalationState.ISSUED.label),
            (c.EscalationState.WAIVED, c.EscalationState.WAIVED.label),
        ],
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(label=_("decided on"), widget=DATE)
    document = forms.CharField(label=_("document number"), max_length=100, required=False)
    notes = forms.CharField(label=_("notes"), required=False, widget=TEXT)


class UnitForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("supervision", "name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=c.UnitKind.choices)
    area = forms.ChoiceField(label=_("area"))

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = list(area_choices)


class ResponsibilityForm(forms.Form):
    level = forms.ChoiceField(label=_("level"), choices=c.Level.choices)
    unit = forms.TypedChoiceField(label=pgettext_lazy("supervision", "unit"), coerce=int)
    person_name = forms.CharField(label=_("responsible person"), max_length=50)
    post = forms.CharField(label=_("post"), max_length=60)
    duty = forms.CharField(label=_("duty"), widget=TEXT)
    basis = forms.CharField(label=_("basis"), max_length=200, required=False)

    def __init__(self, *args, unit_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = list(unit_choices)


class TaskListForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    area = forms.ChoiceField(label=_("area"))
    period_kind = forms.ChoiceField(label=_("period"), choices=c.PeriodKind.choices)
    period_start = forms.DateField(
        label=pgettext_lazy("supervision", "period start"),
        widget=DATE,
        help_text=_(
            "A year starts on 1 January, a quarter on the first day of "
            "January, April, July or October, a month on its first day, a week on a "
            "Monday."
        ),
    )

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = list(area_choices)


class TaskForm(forms.Form):
    unit = forms.TypedChoiceField(label=pgettext_lazy("supervision", "unit"), coerce=int)
    title = forms.CharField(label=_("task"), max_length=200)
    description = forms.CharField(label=_("description"), required=False, widget=TEXT)
    due_date = forms.DateField(label=_("due date"), widget=DATE)

    def __init__(self, *args, unit_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = list(unit_choices)


class TaskCompleteForm(forms.Form):
    evidence = forms.CharField(label=_("evidence"), widget=TEXT)
    file = forms.FileField(label=_("evidence file"), required=False)


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(label=_("period"), choices=c.PeriodKind.choices)
    start = forms.DateField(label=pgettext_lazy("supervision", "period start"), widget=DATE)


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class UnitEditForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("supervision", "name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=c.UnitKind.choices)
    active = forms.BooleanField(label=pgettext_lazy("supervision", "active"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
