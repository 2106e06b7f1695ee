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


@register.simple_tag(takes_context=True)
def status_trail(context, household):
    """{% status_trail h as trail %}: the case trail that explains the household's status
    and the actions open to the user (`selectors.status_trail`)."""
    request = context.get("request")
    return selectors.status_trail(household, getattr(request, "user", None))
