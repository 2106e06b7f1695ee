from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.industry.models import EnterpriseKind, LinkMode, LinkStatus, Sector
from fupin.web.forms import set_choices


class EnterpriseFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", "—"), *EnterpriseKind.choices]
    )
    sector = forms.ChoiceField(
        label=_("sector"), required=False, choices=[("", "—"), *Sector.choices]
    )
    name = forms.CharField(
        label=pgettext_lazy("enterprise", "name"), required=False, max_length=120
    )

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["area"], [("", "—"), *area_choices])


class EnterpriseEditForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("enterprise", "name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=EnterpriseKind.choices)
    sector = forms.ChoiceField(label=_("sector"), choices=Sector.choices)
    representative = forms.CharField(label=_("legal representative"), max_length=60, required=False)


class EnterpriseForm(EnterpriseEditForm):
    credit_code = forms.CharField(label=_("unified social credit code"), max_length=24)
    division_id = forms.ChoiceField(label=_("area"))
    field_order = ["name", "credit_code", "kind", "sector", "division_id", "representative"]

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["division_id"], list(areas))


class LinkForm(forms.Form):
    enterprise = forms.TypedChoiceField(label=_("enterprise"), coerce=int)
    mode = forms.ChoiceField(label=_("linking mode"), choices=LinkMode.choices)
    starts_on = forms.DateField(label=_("linked from"))
    ends_on = forms.DateField(label=_("linked until"), required=False)
    amount = forms.DecimalField(
        label=_("amount put in (yuan)"), max_digits=12, decimal_places=2, required=False
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["enterprise"], [(e.pk, e.name) for e in enterprises])


class LinkFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    mode = forms.ChoiceField(
        label=_("linking mode"), required=False, choices=[("", "—"), *LinkMode.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *LinkStatus.choices]
    )
    enterprise = forms.CharField(label=_("unified social credit code"), required=False)

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["area"], [("", "—"), *area_choices])


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Confirm")), ("no", _("Refuse"))],
    )
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class ConfirmAllForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class EndForm(forms.Form):
    ends_on = forms.DateField(label=_("linked until"))
    reason = forms.CharField(label=_("reason"), max_length=300)


class DividendForm(forms.Form):
    year = forms.IntegerField(label=_("dividend year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=12, decimal_places=2)
    paid_on = forms.DateField(label=_("paid out on"))


class PurchaseForm(forms.Form):
    buyer = forms.CharField(label=_("buyer unit"), max_length=120)
    product = forms.CharField(label=_("product"), max_length=120)
    supplier_code = forms.CharField(
        label=_("supplier's unified social credit code"), max_length=24, required=False
    )
    supplier_household = forms.CharField(
        label=_("supplying household's number"), max_length=30, required=False
    )
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=12, decimal_places=2)
    purchased_on = forms.DateField(label=_("purchased on"))


class PurchaseFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    buyer = forms.CharField(label=_("buyer unit"), required=False, max_length=120)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["area"], [("", "—"), *area_choices])
