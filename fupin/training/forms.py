from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.training.models import AttendanceResult, CertificateKind, CourseKind
from fupin.training.rules import MAX_HOURS
from fupin.web.forms import set_choices


class CourseFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", "—"), *CourseKind.choices]
    )
    skill = forms.ChoiceField(label=_("skill taught"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, area_choices=(), skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["area"], [("", "—"), *area_choices])
        set_choices(self.fields["skill"], [("", "—"), *((s, s) for s in skills)])


class CourseForm(forms.Form):
    code = forms.CharField(label=_("course number"), max_length=40)
    name = forms.CharField(label=_("course name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    skill = forms.CharField(label=_("skill taught"), max_length=60)
    organiser = forms.CharField(label=_("organiser"), max_length=120)
    division_id = forms.ChoiceField(label=_("held for the area"))
    place = forms.CharField(label=_("place"), max_length=120)
    starts_on = forms.DateField(label=_("first day"))
    ends_on = forms.DateField(label=_("last day"))
    hours = forms.IntegerField(label=_("class hours"), min_value=1, max_value=MAX_HOURS)

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["division_id"], list(areas))


class CourseEditForm(CourseForm):
    """The course page's form: the number and the area stay."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["code"]
        del self.fields["division_id"]


class AttendanceFields(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=AttendanceResult.choices)
    skill_learnt = forms.CharField(label=_("skill learnt"), max_length=60, required=False)
    certificate_kind = forms.ChoiceField(
        label=_("certificate kind"), choices=[("", "—"), *CertificateKind.choices], required=False
    )
    certificate_number = forms.CharField(
        label=_("certificate number"), max_length=40, required=False
    )
    certificate_issued_on = forms.DateField(label=_("certificate issued on"), required=False)


class AttendanceForm(AttendanceFields):
    course = forms.TypedChoiceField(label=_("Course"), coerce=int)
    member = forms.TypedChoiceField(label=_("Person"), coerce=int)
    field_order = ["course", "member"]

    def __init__(self, *args, courses=(), members=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(
            self.fields["course"],
            [(c.pk, f"{c.code} {c.name} ({c.starts_on:%Y-%m-%d})") for c in courses],
        )
        set_choices(self.fields["member"], [(m.pk, m.name) for m in members])
        self.order_fields(self.field_order)


class AttendanceFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    course = forms.CharField(label=_("course number"), max_length=40, required=False)
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=[("", "—"), *AttendanceResult.choices]
    )
    certified = forms.BooleanField(label=_("With a certificate only"), required=False)

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["area"], [("", "—"), *area_choices])
