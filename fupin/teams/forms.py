"""Forms of the work-team pages: they parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.assistance import choices as ac
from fupin.teams import choices as c
from fupin.web.forms import BLANK, set_choices

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 4, "cols": 60})


class RosterFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    on = forms.DateField(label=_("On"), required=False, widget=DATE)
    flagged = forms.BooleanField(label=_("Only teams with a problem"), required=False)

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["area"], [*BLANK, *area_choices])


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


class MemberAddForm(forms.Form):
    cadre = forms.TypedChoiceField(label=_("Cadre"), coerce=int)
    start_date = forms.DateField(label=_("start date"), widget=DATE)
    unit = forms.CharField(
        label=_("sending unit"),
        max_length=100,
        required=False,
        help_text=_("The cadre's own unit if left empty."),
    )
    unit_level = forms.ChoiceField(
        label=_("affiliation of the unit"), choices=[*BLANK, *ac.UnitLevel.choices], required=False
    )
    is_leader = forms.BooleanField(label=_("team leader"), required=False)
    is_first_secretary = forms.BooleanField(label=_("first secretary"), required=False)

    def __init__(self, *args, cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["cadre"], [(x.pk, f"{x.name} · {x.unit}") for x in cadres])


class MemberEndForm(forms.Form):
    term = forms.IntegerField(widget=forms.HiddenInput)
    date = forms.DateField(label=_("last day"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CheckInForm(forms.Form):
    cadre = forms.TypedChoiceField(label=pgettext_lazy("work team", "Member"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=DATE)
    latitude = forms.DecimalField(
        label=_("latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("longitude"), required=False, max_digits=9, decimal_places=6
    )
    accuracy_m = forms.IntegerField(label=_("accuracy (m)"), required=False, min_value=0)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["cadre"], [(t.cadre_id, t.cadre.name) for t in members])


class LeaveForm(forms.Form):
    cadre = forms.TypedChoiceField(label=pgettext_lazy("work team", "Member"), coerce=int)
    start_date = forms.DateField(label=pgettext_lazy("work team", "from"), widget=DATE)
    end_date = forms.DateField(label=pgettext_lazy("work team", "to"), widget=DATE)
    reason = forms.CharField(label=_("reason"), max_length=200)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["cadre"], [(t.cadre_id, t.cadre.name) for t in members])


class LeaveDecideForm(forms.Form):
    leave = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Approve")), ("0", _("Refuse"))],
    )
    note = forms.CharField(label=_("note on the decision"), max_length=200, required=False)


class DiaryForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    text = forms.CharField(label=_("text"), widget=TEXT)


class LedgerForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    category = forms.ChoiceField(
        label=pgettext_lazy("work team", "category"), choices=c.LedgerCategory.choices
    )
    content = forms.CharField(label=pgettext_lazy("work team", "content"), widget=TEXT)
    households = forms.CharField(
        label=_("households concerned"),
        required=False,
        help_text=_("Household numbers, separated by spaces or commas."),
    )


class ReportForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("quarter"), coerce=int, choices=[(q, f"Q{q}") for q in (1, 2, 3, 4)]
    )
    text = forms.CharField(label=_("text"), widget=TEXT)


class ReceiveForm(forms.Form):
    report = forms.IntegerField(widget=forms.HiddenInput)


class RulesForm(forms.Form):
    region = forms.ChoiceField(label=_("region"))
    effective_from = forms.DateField(label=_("in force from"), widget=DATE)
    min_members = forms.IntegerField(label=_("fewest members"), min_value=0)
    rotation_months = forms.IntegerField(
        label=_("rotation period (months of a member's term)"), min_value=0
    )
    required_days = forms.IntegerField(label=_("days in the village per month"), min_value=0)
    needs_first_secretary = forms.BooleanField(
        label=_("a first secretary is required"), required=False
    )
    needs_leader = forms.BooleanField(label=_("a team leader is required"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["region"], list(regions))
