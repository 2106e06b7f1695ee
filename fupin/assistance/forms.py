from typing import cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.assistance import choices as c


class AreaForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    as_of = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [("", _("All areas")), *area_choices]


class VisitForm(forms.Form):
    cadre = forms.TypedChoiceField(label=_("Cadre"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=c.VisitPurpose.choices)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)
    photo = forms.ImageField(label=_("Photo"), required=False)

    def __init__(self, *args, cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["cadre"]).choices = [(cd.pk, cd.name) for cd in cadres]


class PairingForm(forms.Form):
    cadre = forms.TypedChoiceField(label=_("Cadre"), coerce=int)
    kind = forms.ChoiceField(label=_("Pairing type"), choices=c.PairingKind.choices)
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["cadre"]).choices = [
            (cd.pk, f"{cd.name} · {cd.unit} · {cd.get_rank_display()}") for cd in cadres
        ]


DATE = forms.DateInput(attrs={"type": "date"})


class CadreForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=50)
    unit = forms.CharField(label=_("unit"), max_length=100)
    rank = forms.ChoiceField(label=_("rank"), choices=c.Rank.choices)
    post = forms.CharField(label=_("post"), max_length=60, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    home_area = forms.ChoiceField(label=_("home area"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["home_area"]).choices = list(area_choices)


class CadreLeaveForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    successor = forms.TypedChoiceField(
        label=_("Successor"), coerce=int, required=False, empty_value=None
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["successor"]).choices = [
            ("", _("None: pair by the assignment")),
            *[(cd.pk, f"{cd.name} · {cd.unit} · {cd.get_rank_display()}") for cd in cadres],
        ]


class HouseholdPlanForm(forms.Form):
    goals = forms.CharField(label=_("goals"), widget=forms.Textarea)
    planned_measures = forms.CharField(
        label=_("planned measures"), widget=forms.Textarea, required=False
    )
    expected_income = forms.DecimalField(
        label=_("expected income (yuan per year)"), min_value=0, max_digits=12, decimal_places=2
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("measure"), choices=c.MeasureKind.choices)
    amount = forms.DecimalField(
        label=_("amount (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    date = forms.DateField(label=_("Date"), widget=DATE)
    provider = forms.CharField(label=_("provider"), max_length=100)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)


class DirectoryEntryForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=50)
    post = forms.CharField(label=_("post"), max_length=60)
    phone = forms.CharField(label=_("phone"), max_length=20)
    duties = forms.CharField(label=_("duties"), max_length=200, required=False)
    order = forms.IntegerField(label=_("order"), required=False, initial=0)


class VillagePlanForm(forms.Form):
    goals = forms.CharField(label=_("goals"), widget=forms.Textarea)
    planned_measures = forms.CharField(
        label=_("planned measures"), widget=forms.Textarea, required=False
    )
    expected_income = forms.DecimalField(
        label=_("expected collective income (yuan per year)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class WorkTeamForm(forms.Form):
    unit = forms.CharField(label=_("unit"), max_length=100)
    members = forms.TypedMultipleChoiceField(
        label=pgettext_lazy("work team", "members"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    leader = forms.TypedChoiceField(
        label=_("team leader"), coerce=int, required=False, empty_value=None
    )
    first_secretary = forms.TypedChoiceField(
        label=_("first secretary"), coerce=int, required=False, empty_value=None
    )
    started_on = forms.DateField(label=_("Date"), widget=DATE, required=False)

    def __init__(self, *args, cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(cd.pk, f"{cd.name} · {cd.unit} · {cd.get_rank_display()}") for cd in cadres]
        cast(forms.ChoiceField, self.fields["members"]).choices = choices
        cast(forms.ChoiceField, self.fields["leader"]).choices = [("", "—"), *choices]
        cast(forms.ChoiceField, self.fields["first_secretary"]).choices = [("", "—"), *choices]


class LimitsForm(forms.Form):
    max_households = forms.IntegerField(label=_("most households per cadre"), min_value=1)
    visit_interval_days = forms.IntegerField(
        label=_("longest interval between visits (days)"), min_value=1
    )
    transition_years = forms.IntegerField(
        label=_("transition period after exit (years)"),
        min_value=0,
        help_text=_(
            "Exited households stay in the pairing lists and the assignment for this many "
            "years after their exit (脱贫不脱帮扶)."
        ),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, ranks=(), **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in ranks:
            self.fields[f"key_{value}"] = forms.IntegerField(
                label=format_lazy("{}: {}", label, _("key households")),
                min_value=0,
                required=False,
            )
            self.fields[f"contact_{value}"] = forms.IntegerField(
                label=format_lazy("{}: {}", label, _("contact households")),
                min_value=0,
                required=False,
            )
