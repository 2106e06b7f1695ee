from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core import abuse
from fupin.tips.models import Channel, Outcome, Status, SubjectKind

BLANK = [("", "—")]


class PublicTipForm(forms.Form):
    area = forms.ChoiceField(
        label=_("Township or village"),
        help_text=_("Where the matter you report happened."),
    )
    household_number = forms.CharField(
        label=_("Household number (if you know it)"), required=False, max_length=20
    )
    subject = forms.CharField(
        label=pgettext_lazy("tip", "Subject"),
        required=False,
        max_length=150,
        help_text=_("For example a cadre's name or a short title."),
    )
    content = forms.CharField(
        label=_("What do you want to report?"), max_length=5000, widget=forms.Textarea
    )
    reporter_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=50)
    reporter_phone = forms.CharField(
        label=_("Your phone (optional)"), required=False, max_length=20
    )
    captcha = abuse.captcha_field()

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [*BLANK, *area_choices]


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=20)


class StaffTipForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    received_at = forms.DateTimeField(
        label=_("Received"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for now."),
    )
    subject_kind = forms.ChoiceField(label=_("About"), choices=SubjectKind.choices)
    household_number = forms.CharField(label=_("Household number"), required=False, max_length=20)
    area = forms.ChoiceField(
        label=_("Area"),
        required=False,
        help_text=_("Not needed when a household is named: its village is used."),
    )
    subject = forms.CharField(
        label=pgettext_lazy("tip", "Subject"),
        required=False,
        max_length=200,
        help_text=_("A cadre's name, a case reference or a short title."),
    )
    case_id = forms.IntegerField(label=_("Case number"), required=False, min_value=1)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea)
    reporter_name = forms.CharField(
        label=_("Reporter's name"),
        required=False,
        max_length=50,
        help_text=_("Leave empty if the reporter stays anonymous."),
    )
    reporter_phone = forms.CharField(label=_("Reporter's phone"), required=False, max_length=20)
    reason = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [*BLANK, *area_choices]


class TipFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[*BLANK, *Status.choices])
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[*BLANK, *Channel.choices]
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [*BLANK, *area_choices]


class AssignForm(forms.Form):
    verifier = forms.ChoiceField(label=_("Verifier"))
    reason = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["verifier"]).choices = BLANK + [
            (
                str(u.pk),
                f"{u.get_full_name() or u.username} · {u.get_role_display()} · {u.area.name}",
            )
            for u in candidates
        ]


class ConcludeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[*BLANK, *Outcome.choices])
    findings = forms.CharField(label=pgettext_lazy("tip", "Findings"), widget=forms.Textarea)


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply to the reporter"),
        widget=forms.Textarea,
        help_text=_("The reporter reads this with the tracking code. Do not name the verifier."),
    )
    replied_on = forms.DateField(
        label=_("Reply date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
