"""The registry pages' forms (households, members, yearly records, files, the village
profile): they parse and render input only; the registry's services validate."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.validators import DecimalValidator
from django.forms import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.geo.models import VillageProfile
from fupin.geo.services import PROFILE_FIELDS
from fupin.registry import choices as c
from fupin.registry.models import Assessment, Attachment, Household, IncomeRecord, Member
from fupin.registry.services import (
    ASSESSMENT_FIELDS,
    HOUSEHOLD_FIELDS,
    INCOME_FIELDS,
    MEMBER_FIELDS,
    PROCEDURAL_FIELDS,
    new_household_start,
    procedural_changes,
)
from fupin.web.forms import BLANK, LongSelect, ParseOnlyModelForm

if TYPE_CHECKING:  # a name of django-stubs only
    from django.utils.functional import _StrOrPromise as StrOrPromise


class HouseholdFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False, widget=LongSelect)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[*BLANK, *c.HouseholdStatus.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[*BLANK, *c.HouseholdCategory.choices]
    )
    cause = forms.ChoiceField(
        label=_("Main cause"), required=False, choices=[*BLANK, *c.PovertyCause.choices]
    )
    monitoring_type = forms.ChoiceField(
        label=_("Monitoring type"), required=False, choices=[*BLANK, *c.MonitoringType.choices]
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, ID number or household number"), "size": 28}
        ),
    )

    def __init__(
        self, *args: Any, area_choices: Iterable[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if area_choices:
            cast(forms.ChoiceField, self.fields["area"]).choices = [*BLANK, *area_choices]
        else:  # a village user has nothing to narrow down to
            del self.fields["area"]


class HouseholdForm(ParseOnlyModelForm):
    village_code = forms.ChoiceField(label=_("Village"))
    other_causes = forms.MultipleChoiceField(
        label=_("Other poverty causes"),
        required=False,
        choices=c.PovertyCause.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "inline-checks"}),
    )

    class Meta:
        model = Household
        fields = HOUSEHOLD_FIELDS
        widgets = {"address": forms.TextInput(attrs={"size": 50})}

    GROUPS = [
        (_("Identity"), ["village_code", "group_name", "address", "category", "standard"]),
        (
            _("Causes and status"),
            ["main_cause", "other_causes", "status", "status_year", "monitoring_type"],
        ),
        (
            _("Living conditions"),
            [
                "housing_safe",
                "danger_grade",
                "renovation_year",
                "housing_area",
                "water_safe",
                "water_difficult",
                "power_living",
                "power_production",
                "has_tv_radio",
                "road_type",
                "distance_to_road_km",
                "has_toilet",
                "fuel_type",
                "relocated",
            ],
        ),
        (
            _("Production conditions"),
            [
                "farmland_mu",
                "irrigated_mu",
                "forest_mu",
                "returned_farmland_mu",
                "fruit_mu",
                "pasture_mu",
                "water_surface_mu",
                "in_cooperative",
                "led_by_enterprise",
            ],
        ),
        (_("Contact and payment"), ["phone", "bank_name", "bank_account"]),
        (_("Why"), ["reason"]),
    ]

    # The group of GROUPS with the status fields (the page explains them there).
    STATUS_GROUP = 1

    def __init__(self, *args: Any, villages: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["village_code"]).choices = [*BLANK, *villages]
        # Status, status year and monitoring type belong to the procedures (cases, the end
        # of a monitoring): shown read-only, with the current value (a new household's
        # starting one); a value posted anyway is refused in `clean`.
        start = new_household_start() if not self.instance.pk else {}
        for name in PROCEDURAL_FIELDS:
            field = self.fields[name]
            field.disabled = True
            field.required = False
            self.initial[name] = start.get(name, getattr(self.instance, name))
        if not self.instance.pk:
            self.fields["status"].help_text = _(
                "A new household is registered as a candidate; an inclusion case decides "
                "whether it is in poverty."
            )
        else:
            self.fields["status"].help_text = _(
                "Changes only through a case; start one from the links below."
            )
        if self.instance.pk:
            self.initial.setdefault("village_code", self.instance.village_id)
            # Editing shows sensitive values masked; leave blank to keep them.
            for name in Household.SENSITIVE_FIELDS:
                self.fields[name].help_text = _("Leave blank to keep the current value.")
                self.initial[name] = ""

    def groups(self) -> list[tuple[StrOrPromise, list[BoundField]]]:
        return [(title, [self[n] for n in names]) for title, names in self.GROUPS]

    def clean(self) -> dict[str, Any] | None:
        """A posted status, status year or monitoring type (a forged form: the page shows
        them read-only) that differs from the current value is refused, naming the
        procedure to start."""
        cleaned = super().clean()
        posted = {
            name: self.data.get(self.add_prefix(name))
            for name in PROCEDURAL_FIELDS
            if self.add_prefix(name) in self.data
        }
        if posted:
            current = self.instance if self.instance.pk else None
            for name, messages in procedural_changes(current, posted).items():
                for message in messages:
                    self.add_error(name, message)
        return cleaned

    def data_for_service(self, exclude: Iterable[str] = ()) -> dict[str, Any]:
        data = super().data_for_service(exclude=("village_code", *PROCEDURAL_FIELDS, *exclude))
        if self.instance.pk:
            for name in Household.SENSITIVE_FIELDS:
                if not data.get(name):
                    data.pop(name, None)
        return data


class MemberForm(ParseOnlyModelForm):
    class Meta:
        model = Member
        fields = MEMBER_FIELDS
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Sex and birth date default to what the ID number says.
        self.fields["sex"].required = False
        self.fields["birth_date"].required = False
        self.fields["sex"].help_text = _("Taken from the ID number when left blank.")
        if self.instance.pk:
            self.fields["id_number"].help_text = _("Leave blank to keep the current value.")
            self.fields["id_number"].required = False
            self.fields["phone"].help_text = _("Leave blank to keep the current value.")
            self.initial["id_number"] = ""
            self.initial["phone"] = ""

    def data_for_service(self, exclude: Iterable[str] = ()) -> dict[str, Any]:
        data = super().data_for_service(exclude=("kind", "date", *exclude))
        for name in ("sex", "birth_date"):
            if not data.get(name):
                data.pop(name, None)
        if self.instance.pk:
            for name in Member.SENSITIVE_FIELDS:
                if not data.get(name):
                    data.pop(name, None)
        return data


JOIN_CHOICES = [(k.value, k.label) for k in c.MemberChangeKind if k in c.MEMBER_JOINS]
LEAVE_CHOICES = [
    (k.value, k.label)
    for k in c.MemberChangeKind
    if k in c.MEMBER_LEAVES and k != c.MemberChangeKind.SPLIT
]


class MemberAddForm(MemberForm):
    kind = forms.ChoiceField(label=_("How the person joins"), choices=JOIN_CHOICES)
    date = forms.DateField(
        label=_("Date of the change"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    field_order = ["kind", "date", *MEMBER_FIELDS, "reason"]


class MemberLeaveForm(forms.Form):
    kind = forms.ChoiceField(label=_("How the person leaves"), choices=LEAVE_CHOICES)
    date = forms.DateField(
        label=_("Date of the change"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class IncomeForm(ParseOnlyModelForm):
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)

    class Meta:
        model = IncomeRecord
        fields = INCOME_FIELDS

    field_order = ["year", *INCOME_FIELDS, "reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The amounts are only parsed here: the registry's rule (income_set) refuses a
        # negative amount or one finer than the fen, with words that say what to do.
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField):
                field.validators = [
                    v for v in field.validators if not isinstance(v, DecimalValidator)
                ]
                # The browser would block 1234.567 with its own words; ours say why.
                field.widget.attrs["step"] = "any"

    def data_for_service(self, exclude: Iterable[str] = ()) -> dict[str, Any]:
        return super().data_for_service(exclude=("year", *exclude))


class AssessmentForm(ParseOnlyModelForm):
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)

    class Meta:
        model = Assessment
        fields = ASSESSMENT_FIELDS
        widgets = {
            "assessed_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    field_order = ["year", *ASSESSMENT_FIELDS, "reason"]

    def data_for_service(self, exclude: Iterable[str] = ()) -> dict[str, Any]:
        return super().data_for_service(exclude=("year", *exclude))


class AttachmentForm(ParseOnlyModelForm):
    class Meta:
        model = Attachment
        fields = ["kind", "title", "file"]


class VillageProfileForm(ParseOnlyModelForm):
    class Meta:
        model = VillageProfile
        fields = PROFILE_FIELDS
