from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.microcredit.models import CreditRating, LoanStatus


class LoanFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    bank = forms.ChoiceField(label=_("lending bank"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *LoanStatus.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, area_choices=(), banks=(), **kwargs):
        super().__init__(*args, **kwargs)
        area, bank = self.fields["area"], self.fields["bank"]
        assert isinstance(area, forms.ChoiceField) and isinstance(bank, forms.ChoiceField)
        area.choices = [("", "—"), *area_choices]
        bank.choices = [("", "—"), *((b, b) for b in banks)]


class LoanForm(forms.Form):
    borrower = forms.TypedChoiceField(label=_("borrower"), coerce=int)
    number = forms.CharField(label=_("loan contract number"), max_length=40)
    bank = forms.CharField(label=_("lending bank"), max_length=60)
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=12, decimal_places=2)
    term_months = forms.IntegerField(label=_("term (months)"), min_value=1, max_value=120)
    annual_rate = forms.DecimalField(label=_("annual rate (%)"), max_digits=5, decimal_places=2)
    subsidy_rate = forms.DecimalField(
        label=_("interest subsidy rate (%)"), max_digits=5, decimal_places=2, required=False
    )
    credit_rating = forms.ChoiceField(
        label=_("credit rating"), choices=CreditRating.choices, required=False
    )
    purpose = forms.CharField(label=_("loan purpose"), max_length=200)
    disbursed_on = forms.DateField(label=_("disbursed on"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        borrower = self.fields["borrower"]
        assert isinstance(borrower, forms.ChoiceField)
        borrower.choices = [(m.pk, m.name) for m in members]


class RepaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("repaid on"))
    principal = forms.DecimalField(label=_("principal (yuan)"), max_digits=12, decimal_places=2)
    interest = forms.DecimalField(
        label=_("interest (yuan)"), max_digits=12, decimal_places=2, required=False
    )
    receipt = forms.CharField(
        label=_("receipt number"),
        max_length=40,
        required=False,
        help_text=_("Tells apart two payments of the same day and amounts."),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class ExtensionForm(forms.Form):
    new_due_on = forms.DateField(label=_("new due date"))
    reason = forms.CharField(label=_("reason"), max_length=300)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
    )
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class WriteOffForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300)
