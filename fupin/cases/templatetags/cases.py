"""{% household_cases h as cases %}: the household page's cases, through the selector
(scoped to the user), so the web app's view needs no change."""

from django import template

from fupin.cases import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def household_cases(context, household):
    request = context.get("request")
    user = getattr(request, "user", None)
    return selectors.household_cases(user=user, household=household)
