from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.assistance import choices as c


class AreaForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    as_of = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All areas")), *area_choices]


class VisitForm(forms.Form):
    cadre = forms.TypedChoiceField(label=_("Cadre"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=c.VisitPurpose.choices)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)
    photo = forms.ImageField(label=_("Photo"), required=False)

    def __init__(self, *args, cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = [(cd.pk, cd.name) for cd in cadres]


class PairingForm(forms.Form):
    cadre = forms.TypedChoiceField(label=_("Cadre"), coerce=int)
    kind = forms.ChoiceField(label=_("Pairing type"), choices=c.PairingKind.choices)
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = [
            (cd.pk, f"{cd.name} · {cd.unit} · {cd.get_rank_display()}") for cd in cadres
        ]
