from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.indicators.models import ExitCriteriaProposal
from fupin.indicators.readiness import CONDITION_LABELS

if TYPE_CHECKING:  # a name of django-stubs only
    from django.utils.functional import _StrOrPromise as StrOrPromise

PCT: dict[str, Any] = {"max_digits": 5, "decimal_places": 2, "min_value": 0, "max_value": 100}


class CriteriaForm(forms.Form):
    village_incidence_max = forms.DecimalField(
        label=_("village poverty incidence under (%)"), **PCT
    )
    county_incidence_max = forms.DecimalField(label=_("county poverty incidence under (%)"), **PCT)
    missed_poor_max = forms.DecimalField(label=_("missed-poor rate under (%)"), **PCT)
    wrong_exit_max = forms.DecimalField(label=_("wrong-exit rate under (%)"), **PCT)
    approval_min = forms.DecimalField(label=_("public approval at least (%)"), **PCT)
    village_conditions = forms.MultipleChoiceField(
        label=_("village conditions"),
        choices=list(CONDITION_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    village_collective_income_min = forms.DecimalField(
        label=_("village collective income at least (yuan/year)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
    )
    reason = forms.CharField(
        label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))]
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)


def proposal_rows(proposal: ExitCriteriaProposal) -> list[tuple[StrOrPromise | None, object]]:
    """(label, proposed value) of a proposal of exit criteria, in the form's order."""
    form = CriteriaForm()
    rows: list[tuple[StrOrPromise | None, object]] = []
    for name, value in proposal.values.items():
        if name == "village_conditions":
            value = "、".join(str(CONDITION_LABELS.get(v, v)) for v in value)
        rows.append((form.fields[name].label, value))
    return rows
