"""Forms of the area exit pages: parse input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.cases.forms import DATE
from fupin.geo.models import PoorCountyKind


class AreaOpenForm(forms.Form):
    area = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class AreaNoticeForm(forms.Form):
    posted_on = forms.DateField(label=_("Posted on"), initial=timezone.localdate, widget=DATE)
    phone = forms.CharField(label=_("Reporting phone"), max_length=30)


class AreaObjectionForm(forms.Form):
    notice = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("Objection"), widget=forms.Textarea)
    reporter = forms.CharField(label=_("Reported by"), required=False, max_length=100)
    reporter_phone = forms.CharField(label=_("Reporter's phone"), required=False, max_length=30)
    received_on = forms.DateField(label=_("Received on"), initial=timezone.localdate, widget=DATE)


class AreaResolveForm(forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    upheld = forms.TypedChoiceField(
        label=_("Outcome"),
        coerce=lambda v: v == "1",
        choices=[("0", _("Dismissed")), ("1", _("Upheld"))],
    )
    resolution = forms.CharField(label=_("Reason"), max_length=1000)


class DesignateForm(forms.Form):
    county = forms.CharField(widget=forms.HiddenInput)
    poor_county = forms.ChoiceField(
        label=_("Poor county"),
        required=False,
        choices=[("", _("Not a poor county")), *PoorCountyKind.choices],
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)
