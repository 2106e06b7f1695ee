from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.assistance.choices import Rank
from fupin.leaders import choices as c

DATE = forms.DateInput(attrs={"type": "date"})


class LinkForm(forms.Form):
    leader = forms.TypedChoiceField(label=_("Leader"), coerce=int)
    area = forms.ChoiceField(label=_("Contact point"))
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), widget=DATE, required=False)
    duties = forms.CharField(label=_("Duties"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, leaders=(), areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["leader"]).choices = [
            (cd.pk, f"{cd.name} · {cd.post or cd.unit} · {cd.get_rank_display()}") for cd in leaders
        ]
        cast(forms.ChoiceField, self.fields["area"]).choices = list(areas)


class EndForm(forms.Form):
    end_date = forms.DateField(label=_("End date"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReportForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200)
    content = forms.CharField(label=_("What was done"), widget=forms.Textarea)
    problems_found = forms.CharField(
        label=_("Problems found"), required=False, widget=forms.Textarea
    )
    problems_solved = forms.CharField(
        label=_("Problems solved"), required=False, widget=forms.Textarea
    )
    photo = forms.FileField(
        label=_("Photo or scan"), required=False, help_text=_("A picture or a PDF, up to 20 MB.")
    )


class RuleForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"))
    target = forms.TypedChoiceField(label=_("Linked to"), coerce=int, choices=c.Target.choices)
    rank = forms.ChoiceField(
        label=_("Leader's rank"), required=False, choices=[("", _("Any rank")), *Rank.choices]
    )
    period = forms.ChoiceField(label=_("Period"), choices=c.Period.choices)
    visits_required = forms.IntegerField(label=_("Visits required"), min_value=1, max_value=31)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = list(regions)


class OverdueForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("Current period")), ("previous", _("Previous period"))],
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [("", _("All areas")), *areas]
