from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.employment.models import EndReason, PlacementKind, PostKind
from fupin.funds.models import SourceKind
from fupin.registry.choices import MigrantPlace

BLANK = [("", "—")]


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class PostFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    kind = forms.ChoiceField(
        label=_("post kind"), required=False, choices=[*BLANK, *PostKind.choices]
    )
    funding = forms.ChoiceField(
        label=_("funding source"), required=False, choices=[*BLANK, *SourceKind.choices]
    )
    vacant = forms.BooleanField(label=_("Vacant posts only"), required=False)

    def __init__(self, *args: Any, area_choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "area", [*BLANK, *area_choices])


class PostForm(forms.Form):
    code = forms.CharField(label=_("post number"), max_length=40)
    kind = forms.ChoiceField(label=_("post kind"), choices=PostKind.choices)
    unit = forms.CharField(label=_("employing unit"), max_length=100)
    village_id = forms.ChoiceField(label=_("village"))
    monthly_pay = forms.DecimalField(label=_("monthly pay (yuan)"), max_digits=10, decimal_places=2)
    funding = forms.ChoiceField(label=_("funding source"), choices=SourceKind.choices)
    opened_on = forms.DateField(label=_("opened on"))

    def __init__(self, *args: Any, villages: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "village_id", list(villages))


class CloseForm(forms.Form):
    closed_on = forms.DateField(label=_("closed on"))
    reason = forms.CharField(label=_("reason"), max_length=300)


class ProposeForm(forms.Form):
    member = forms.TypedChoiceField(label=_("holder"), coerce=int)
    post = forms.TypedChoiceField(label=_("public-welfare post"), coerce=int)
    start_on = forms.DateField(label=_("appointed from"))

    def __init__(self, *args: Any, members: Any = (), posts: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "member", [(m.pk, m.name) for m in members])
        _choices(
            self, "post", [(p.pk, f"{p.code} {p.get_kind_display()} · {p.unit}") for p in posts]
        )


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Appoint")), ("no", _("Refuse"))],
    )
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class PendingForm(DecisionForm):
    holdings = forms.TypedMultipleChoiceField(label=_("Proposals"), coerce=int)

    def __init__(self, *args: Any, pending: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["holdings"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(h.pk, str(h.pk)) for h in pending]


class EndHoldingForm(forms.Form):
    end_on = forms.DateField(label=_("appointment ended on"))
    end_reason = forms.ChoiceField(label=_("reason it ended"), choices=EndReason.choices)


class PaymentForm(forms.Form):
    month = forms.DateField(
        label=_("month paid for"), help_text=_("Any day of the month, e.g. 2025-05-01.")
    )
    amount = forms.DecimalField(label=_("pay (yuan)"), max_digits=10, decimal_places=2)
    paid_on = forms.DateField(label=_("pay day"))


class PlacementFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    kind = forms.ChoiceField(
        label=_("kind of work"), required=False, choices=[*BLANK, *PlacementKind.choices]
    )
    place_scope = forms.ChoiceField(
        label=_("how far from home"), required=False, choices=[*BLANK, *MigrantPlace.choices]
    )
    current = forms.BooleanField(label=_("Still working only"), required=False)

    def __init__(self, *args: Any, area_choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "area", [*BLANK, *area_choices])


class PlacementForm(forms.Form):
    member = forms.TypedChoiceField(label=_("worker"), coerce=int)
    kind = forms.ChoiceField(label=_("kind of work"), choices=PlacementKind.choices)
    employer = forms.CharField(label=_("employer"), max_length=100)
    place = forms.CharField(label=_("place of work"), max_length=100)
    place_scope = forms.ChoiceField(label=_("how far from home"), choices=MigrantPlace.choices)
    start_on = forms.DateField(label=_("working from"))
    end_on = forms.DateField(label=_("job ended on"), required=False)
    monthly_income = forms.DecimalField(
        label=_("monthly income (yuan)"), max_digits=10, decimal_places=2, min_value=0
    )

    def __init__(self, *args: Any, members: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "member", [(m.pk, m.name) for m in members])


class EndPlacementForm(forms.Form):
    end_on = forms.DateField(label=_("job ended on"))


class SubsidyForm(forms.Form):
    paid_on = forms.DateField(label=_("subsidy paid on"))
    amount = forms.DecimalField(label=_("subsidy (yuan)"), max_digits=10, decimal_places=2)
