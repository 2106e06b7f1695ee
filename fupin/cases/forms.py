"""Forms parse input only; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.cases.models import CaseStatus, StepDecision
from fupin.cases.procedures import CaseKind
from fupin.core import abuse
from fupin.web.forms import LongSelect

BLANK = [("", "—")]
DATE = forms.DateInput(attrs={"type": "date"})


class CaseFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[*BLANK, *CaseKind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[*BLANK, *CaseStatus.choices]
    )
    village = forms.ChoiceField(label=_("Township or village"), required=False, widget=LongSelect)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(
        self, *args: Any, area_choices: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["village"]).choices = [*BLANK, *area_choices]


class CaseOpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class StepForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=StepDecision.choices)
    evidence = forms.CharField(label=_("Evidence"), required=False, widget=forms.Textarea)
    file = forms.FileField(
        label=_("File"), required=False, help_text=_("A photo or a signed scan (JPEG, PNG, PDF).")
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        help_text=_("Required when returning or rejecting."),
    )

    def __init__(self, *args: Any, review: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        decision = cast(forms.ChoiceField, self.fields["decision"])
        if review:
            decision.choices = [
                (StepDecision.APPROVE, StepDecision.APPROVE.label),
                (StepDecision.RETURN, StepDecision.RETURN.label),
                (StepDecision.REJECT, StepDecision.REJECT.label),
            ]
        else:
            decision.choices = [(StepDecision.DONE, StepDecision.DONE.label)]
            decision.widget = forms.HiddenInput()
            decision.initial = StepDecision.DONE


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class BatchForm(forms.Form):
    village = forms.ChoiceField(label=_("Village"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(CaseKind.EXIT, CaseKind.EXIT.label), (CaseKind.REMOVAL, CaseKind.REMOVAL.label)],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, villages: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["village"]).choices = list(villages)


class NoticeForm(forms.Form):
    cases = forms.MultipleChoiceField(label=_("Cases"), widget=forms.CheckboxSelectMultiple)
    posted_on = forms.DateField(label=_("Posted on"), initial=timezone.localdate, widget=DATE)
    phone = forms.CharField(label=_("Reporting phone"), max_length=30)

    def __init__(
        self, *args: Any, case_choices: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["cases"]).choices = list(case_choices)


class ObjectionForm(forms.Form):
    cases = forms.MultipleChoiceField(label=_("Cases"), widget=forms.CheckboxSelectMultiple)
    text = forms.CharField(label=_("Objection"), widget=forms.Textarea)
    reporter = forms.CharField(label=_("Reported by"), required=False, max_length=100)
    reporter_phone = forms.CharField(label=_("Reporter's phone"), required=False, max_length=30)
    received_on = forms.DateField(label=_("Received on"), initial=timezone.localdate, widget=DATE)

    def __init__(
        self, *args: Any, case_choices: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["cases"]).choices = list(case_choices)


class PublicObjectionForm(forms.Form):
    cases = forms.MultipleChoiceField(label=_("Cases"), widget=forms.CheckboxSelectMultiple)
    text = forms.CharField(label=_("Objection"), widget=forms.Textarea, max_length=4000)
    reporter = forms.CharField(label=_("Your name (optional)"), required=False, max_length=100)
    reporter_phone = forms.CharField(
        label=_("Your phone (optional)"), required=False, max_length=30
    )
    captcha = abuse.captcha_field()

    def __init__(
        self, *args: Any, case_choices: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["cases"]).choices = list(case_choices)


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Outcome"),
        coerce=lambda v: v == "1",
        choices=[("0", _("Dismissed")), ("1", _("Upheld"))],
    )
    text = forms.CharField(label=_("Reason"), max_length=1000)


class AppealForm(forms.Form):
    appellant = forms.CharField(label=_("Appellant"), max_length=100)
    grounds = forms.CharField(label=_("Grounds"), widget=forms.Textarea)
    filed_on = forms.DateField(label=_("Filed on"), initial=timezone.localdate, widget=DATE)
