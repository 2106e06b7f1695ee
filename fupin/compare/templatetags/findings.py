"""{% household_findings h as findings %}: the household page's findings, through the
selector (scoped to the user), so the web app's view needs no change."""

from django import template

from fupin.compare import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def household_findings(context, household):
    request = context.get("request")
    user = getattr(request, "user", None)
    return selectors.household_findings(user=user, household=household)
