from __future__ import annotations

from django import template

from fupin.core.errors import DomainError
from fupin.policy.evaluation import EXIT, INCLUSION, evaluate_household

register = template.Library()


@register.inclusion_tag("policy/_household_policy.html")
def household_policy(household):
    """The decision of the policy in force, for inclusion and for exit, with every clause."""
    decisions = []
    for test in (INCLUSION, EXIT):
        try:
            decisions.append(evaluate_household(household, test=test))
        except DomainError:
            continue
    return {"decisions": decisions, "household": household}
