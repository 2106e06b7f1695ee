"""{% household_projects h as projects %}: the projects a household benefits from, for
its page, through the selector."""

from django import template

from fupin.accounts.roles import Capability, has_capability
from fupin.projects import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def household_projects(context, household):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not has_capability(user, Capability.VIEW_REGISTRY):
        return []
    return selectors.household_projects(user=user, household=household)
