from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.education.models import AidKind, DropoutCause, DropoutStatus, Stage, Term
from fupin.education.services import CLOSING
from fupin.web.forms import set_choices


class AidFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    kind = forms.ChoiceField(
        label=_("benefit"), required=False, choices=[("", "—"), *AidKind.choices]
    )
    stage = forms.ChoiceField(
        label=_("stage of schooling"), required=False, choices=[("", "—"), *Stage.choices]
    )
    school_year = forms.TypedChoiceField(
        label=_("school year"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, area_choices=(), years=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["area"], [("", "—"), *area_choices])
        set_choices(self.fields["school_year"], [("", "—"), *((y, y) for y in years)])


class DropoutFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *DropoutStatus.choices]
    )

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["area"], [("", "—"), *area_choices])


class AidForm(forms.Form):
    student = forms.TypedChoiceField(label=_("student"), coerce=int)
    kind = forms.ChoiceField(label=_("benefit"), choices=AidKind.choices)
    stage = forms.ChoiceField(label=_("stage of schooling"), choices=Stage.choices)
    school = forms.CharField(label=_("school"), max_length=100)
    school_year = forms.IntegerField(label=_("school year"), min_value=2013, max_value=2100)
    term = forms.ChoiceField(label=_("term"), choices=Term.choices)
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=10, decimal_places=2)
    paid_on = forms.DateField(label=_("paid on"))
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["student"], [(m.pk, m.name) for m in members])


class DropoutForm(forms.Form):
    child = forms.TypedChoiceField(label=_("child"), coerce=int)
    opened_on = forms.DateField(label=_("found out of school on"))
    school = forms.CharField(label=_("last school"), max_length=100, required=False)
    stage = forms.ChoiceField(
        label=_("stage of schooling"), choices=[("", "—"), *Stage.choices], required=False
    )
    cause = forms.ChoiceField(label=_("cause of dropping out"), choices=DropoutCause.choices)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["child"], [(m.pk, m.name) for m in members])


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=pgettext_lazy("dropout", "outcome"), choices=[(s.value, s.label) for s in CLOSING]
    )
    closed_on = forms.DateField(label=_("closed on"))
    returned_stage = forms.ChoiceField(
        label=_("back at the stage"), choices=[("", "—"), *Stage.choices], required=False
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)
