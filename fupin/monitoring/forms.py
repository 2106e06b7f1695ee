from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core import abuse
from fupin.monitoring.models import Channel, GradeColour, RiskLevel, RiskType
from fupin.registry.choices import MonitoringType

BLANK = [("", "—")]


class MonitoringOpenForm(forms.Form):
    monitoring_type = forms.ChoiceField(
        label=_("Monitoring object type"), choices=MonitoringType.choices
    )
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    risk_types = forms.MultipleChoiceField(
        label=_("Risk types"), choices=RiskType.choices, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=2000)


class RiskLevelForm(forms.Form):
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class StaffWarningForm(forms.Form):
    household_number = forms.CharField(label=_("Household number"), max_length=20)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[
            (Channel.VISIT, Channel.VISIT.label),
            (Channel.SELF_REPORT, Channel.SELF_REPORT.label),
        ],
    )
    cause = forms.ChoiceField(label=_("Cause"), choices=RiskType.choices)
    proposed_level = forms.ChoiceField(label=_("Proposed level"), choices=RiskLevel.choices)
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea, max_length=5000)


class PublicReportForm(forms.Form):
    household_number = forms.CharField(label=_("Household number"), max_length=20)
    id_number = forms.CharField(
        label=_("ID number of a family member"),
        max_length=18,
        help_text=_("Identifies your household together with its number."),
    )
    cause = forms.ChoiceField(label=_("What has happened?"), choices=RiskType.choices)
    evidence = forms.CharField(
        label=_("Describe your difficulty"), widget=forms.Textarea, max_length=5000
    )
    reporter_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=50)
    reporter_phone = forms.CharField(
        label=_("Your phone (optional)"), required=False, max_length=20
    )
    captcha = abuse.captcha_field()


class MeasureForm(forms.Form):
    description = forms.CharField(label=_("Measure"), widget=forms.Textarea, max_length=2000)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), required=False, max_digits=12, decimal_places=2
    )
    taken_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class ReviewForm(forms.Form):
    worked = forms.CharField(
        label=_("What worked"), required=False, widget=forms.Textarea, max_length=2000
    )
    not_worked = forms.CharField(
        label=_("What did not work"), required=False, widget=forms.Textarea, max_length=2000
    )


class WarningFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            *BLANK,
            ("open", pgettext_lazy("warning status", "Open")),
            ("closed", _("Closed")),
        ],
    )
    cause = forms.ChoiceField(label=_("Cause"), required=False, choices=[*BLANK, *RiskType.choices])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class EndMonitoringForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea)


class GradeFilterForm(forms.Form):
    colour = forms.ChoiceField(
        label=_("Colour"), choices=BLANK + list(GradeColour.choices), required=False
    )
    move = forms.ChoiceField(
        label=_("Since the previous round"),
        choices=[
            *BLANK,
            ("up", _("Moved up")),
            ("down", _("Moved down")),
            ("same", _("Unchanged")),
            ("new", _("Not in the previous round")),
        ],
        required=False,
    )
    adjusted = forms.BooleanField(label=_("Adjusted only"), required=False)


class GradeAdjustForm(forms.Form):
    colour = forms.ChoiceField(label=_("Colour"), choices=GradeColour.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=2000)


class RoundCompareForm(forms.Form):
    a = forms.ChoiceField(label=_("Earlier round"))
    b = forms.ChoiceField(label=_("Later round"))

    def __init__(self, *args, rounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(r.pk), f"{r.name} · {r.area.name} · {r.as_of:%Y-%m-%d}") for r in rounds]
        self.fields["a"].choices = choices  # type: ignore[attr-defined]
        self.fields["b"].choices = choices  # type: ignore[attr-defined]
