"""{% household_tips h as tips %}: tips about a household for its page, through the
selector (scoped to the user; empty for roles that may not read tips)."""

from django import template

from fupin.tips import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def household_tips(context, household):
    user = getattr(context.get("request"), "user", None)
    if user is None:  # rendered without a request: nobody to show tips to
        return []
    return selectors.household_tips(user=user, household=household)


@register.filter
def may_record_tips(user) -> bool:
    """{% if user|may_record_tips %}: the authority table's "tip.record"."""
    return selectors.may_record_tips(user)
