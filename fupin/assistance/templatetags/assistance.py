"""{% household_assistance h as a %}: the household page's assistance panel, through the
selector (scoped to the user), so the web app's view needs no change."""

from django import template

from fupin.assistance import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def household_assistance(context, household):
    request = context.get("request")
    return selectors.household_assistance(user=getattr(request, "user", None), household=household)
