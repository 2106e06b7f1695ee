from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core.errors import DomainError
from fupin.policy import comparisons as CMP
from fupin.policy.clauses import ATTESTATION
from fupin.policy.evaluation import (
    EXIT,
    INCLUSION,
    ClauseResult,
    HouseholdFacts,
    evaluate_household,
)
from fupin.policy.rules import criterion_text
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
    "rule": gettext_lazy("finding rule"),
    "members": gettext_lazy("members in the household"),
    "away_12_months": gettext_lazy("members away 12 months or more"),
    "left": gettext_lazy("members who left"),
    "field": gettext_lazy("field"),
    "value": gettext_lazy("value"),
    "op": gettext_lazy("comparison"),
    "limit": gettext_lazy("limit"),
    "attestation": gettext_lazy("attestation"),
    "verdict": gettext_lazy("verdict"),
    "note": gettext_lazy("note"),
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


@register.inclusion_tag("policy/_household_policy.html", takes_context=True)
def household_policy(context, household):
    """The decision of the policy in force, for inclusion and for exit, with every clause
    and the values it used, labelled in the user's language; the key-assistance flag of
    the policy's criteria. Both tests read the household's rows once (its incomes and
    assessments as the page prefetched them)."""
    facts = HouseholdFacts.of(household)
    decisions = []
    for test in (INCLUSION, EXIT):
        try:
            d = evaluate_household(household, test=test, facts=facts)
        except DomainError:
            continue
        decisions.append(d)
    key_assistance = None
    attest_url = ""
    if decisions:
        policy = facts.policy(dt.date.today(), decisions[0].year)
        if policy.key_assistance:
            texts = {k.get("code"): criterion_text(k) for k in policy.key_assistance}
            key_assistance = [texts[c] for c in decisions[0].key_assistance]
        if any(c.kind == ATTESTATION for c in decisions[0].clauses):
            attest_url = reverse("policy:attest", args=[household.pk])
    return {
        "decisions": decisions,
        "household": household,
        "key_assistance": key_assistance,
        "attest_url": attest_url,
    }


@register.filter
def shown_values(clause: ClauseResult | dict) -> list[tuple[str, str]]:
    """The values a clause used, each as (label, value) in the user's language: of a live
    `ClauseResult` or of a clause of a case's stored decision (a dict)."""
    values = (clause.get("values") or {}) if isinstance(clause, dict) else clause.values
    return [(_label(k), _value(k, v)) for k, v in values.items()]
