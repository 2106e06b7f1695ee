from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core.errors import DomainError
from fupin.policy import comparisons as CMP
from fupin.policy.evaluation import (
    EXIT,
    INCLUSION,
    ClauseResult,
    HouseholdFacts,
    evaluate_household,
)
from fupin.registry.models import Assessment

register = template.Library()

VALUE_LABELS = {
    "net_income_per_person": gettext_lazy("net income per person"),
    "line": gettext_lazy("income line"),
    "year": gettext_lazy("year"),
    "finding": gettext_lazy("finding"),
    "status": gettext_lazy("finding status"),
    "summary": gettext_lazy("department record"),
    "comparison": gettext_lazy("comparison"),
    "stable_years": gettext_lazy("consecutive years required above the line"),
    "earlier_years": gettext_lazy("earlier years"),
}


def _label(key: str) -> str:
    if key in VALUE_LABELS:
        return str(VALUE_LABELS[key])
    if key in Assessment.CONDITIONS:
        field = Assessment._meta.get_field(key)
        if isinstance(field, models.Field):
            return str(field.verbose_name)
    return key


def _value(key: str, value: Any) -> str:
    if key == "comparison" and value in CMP.WORDS:
        return str(CMP.WORDS[value])
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return str(value)


@register.inclusion_tag("policy/_household_policy.html")
def household_policy(household):
    """The decision of the policy in force, for inclusion and for exit, with every clause
    and the values it used, labelled in the user's language. Both tests read the
    household's rows once (its incomes and assessments as the page prefetched them)."""
    facts = HouseholdFacts.of(household)
    decisions = []
    for test in (INCLUSION, EXIT):
        try:
            d = evaluate_household(household, test=test, facts=facts)
        except DomainError:
            continue
        decisions.append(d)
    return {"decisions": decisions, "household": household}


@register.filter
def shown_values(clause: ClauseResult) -> list[tuple[str, str]]:
    """The values a clause used, each as (label, value) in the user's language."""
    return [(_label(k), _value(k, v)) for k, v in clause.values.items()]
