from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.relocation.models import SiteKind, SupportKind

BLANK = [("", "—")]


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class RelocationFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    site = forms.TypedChoiceField(
        label=_("resettlement site"), required=False, coerce=int, empty_value=None
    )
    moved_in = forms.BooleanField(label=_("Moved in only"), required=False)
    demolition_overdue = forms.BooleanField(
        label=_("Old house overdue for demolition"), required=False
    )

    def __init__(self, *args: Any, area_choices: Any = (), sites: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "area", [*BLANK, *area_choices])
        _choices(self, "site", [*BLANK, *((s.pk, s.name) for s in sites)])


class SiteForm(forms.Form):
    name = forms.CharField(label=_("site name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind of site"), choices=SiteKind.choices)
    village_id = forms.ChoiceField(label=_("village"))
    address = forms.CharField(label=_("site address"), max_length=200, required=False)
    homes = forms.IntegerField(label=_("homes"), min_value=0)
    capacity = forms.IntegerField(label=_("capacity (people)"), min_value=0)
    completed_on = forms.DateField(label=_("completed on"), required=False)

    def __init__(self, *args: Any, villages: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "village_id", list(villages))


class RelocationForm(forms.Form):
    site = forms.TypedChoiceField(label=_("resettlement site"), coerce=int)
    people = forms.IntegerField(label=_("people relocated"), min_value=0, max_value=50)
    home = forms.CharField(label=_("home"), max_length=60)
    home_area = forms.DecimalField(label=_("home area (m²)"), max_digits=6, decimal_places=2)
    handed_over_on = forms.DateField(label=_("home handed over on"), required=False)
    moved_in_on = forms.DateField(label=_("moved in on"), required=False)

    def __init__(self, *args: Any, sites: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "site", [(s.pk, f"{s.name} ({s.get_kind_display()})") for s in sites])


class ProgressForm(forms.Form):
    handed_over_on = forms.DateField(label=_("home handed over on"), required=False)
    moved_in_on = forms.DateField(label=_("moved in on"), required=False)


class OldHouseForm(forms.Form):
    demolished_on = forms.DateField(label=_("old house demolished on"), required=False)
    kept_reason = forms.CharField(
        label=_("why the old house is kept"), max_length=200, required=False
    )


class VerifyForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class SupportForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind of support"), choices=SupportKind.choices)
    on = forms.DateField(label=_("support given on"))
    description = forms.CharField(label=_("what was done"), max_length=300)
    member = forms.TypedChoiceField(label=_("person"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, members: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "member", [*BLANK, *((m.pk, m.name) for m in members)])
