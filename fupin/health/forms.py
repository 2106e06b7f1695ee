from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.health.models import CoverKind
from fupin.web.forms import set_choices


def _money(label, required=False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=12, decimal_places=2, min_value=0, required=required
    )


class ReimbursementFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    year = forms.TypedChoiceField(
        label=_("year of settlement"), required=False, coerce=int, empty_value=None
    )
    serious = forms.BooleanField(label=_("Serious-illness insurance paid"), required=False)

    def __init__(self, *args, area_choices=(), years=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["area"], [("", "—"), *area_choices])
        set_choices(self.fields["year"], [("", "—"), *((y, y) for y in years)])


class CoverFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    year = forms.TypedChoiceField(
        label=_("year covered"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(
        label=_("cover"), required=False, choices=[("", "—"), *CoverKind.choices]
    )

    def __init__(self, *args, area_choices=(), years=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["area"], [("", "—"), *area_choices])
        set_choices(self.fields["year"], [("", "—"), *((y, y) for y in years)])


class CoverForm(forms.Form):
    person = forms.TypedChoiceField(label=_("insured person"), coerce=int)
    kind = forms.ChoiceField(label=_("cover"), choices=CoverKind.choices)
    year = forms.IntegerField(label=_("year covered"), min_value=2013, max_value=2100)
    insured_on = forms.DateField(label=_("enrolled on"))
    insurer = forms.CharField(label=_("insurer"), max_length=60, required=False)
    premium = _money(_("premium (yuan)"), required=True)
    subsidy = _money(_("premium paid by the government (yuan)"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["person"], [(m.pk, m.name) for m in members])


class ReimbursementForm(forms.Form):
    patient = forms.TypedChoiceField(label=_("patient"), coerce=int)
    number = forms.CharField(label=_("settlement number"), max_length=40)
    hospital = forms.CharField(label=_("hospital"), max_length=100)
    admitted_on = forms.DateField(label=_("admitted on"))
    settled_on = forms.DateField(label=_("settled on"))
    diagnosis = forms.CharField(label=_("diagnosis"), max_length=200, required=False)
    total_cost = _money(_("total cost (yuan)"), required=True)
    basic_paid = _money(_("paid by basic medical insurance (yuan)"))
    serious_paid = _money(_("paid by serious-illness insurance (yuan)"))
    assistance_paid = _money(_("paid by medical assistance (yuan)"))
    commercial_paid = _money(_("paid by commercial insurance (yuan)"))
    prevention_paid = _money(_("paid by poverty-prevention insurance (yuan)"))
    other_paid = _money(_("other top-ups (yuan)"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["patient"], [(m.pk, m.name) for m in members])
