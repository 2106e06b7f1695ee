"""{% household_ledgers h as panels %}: each registered ledger's rows of a household for
its page, scoped to the user (see ledgers.household_panels)."""

from django import template

from fupin.programmes.ledgers import household_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def household_ledgers(context, household):
    user = getattr(context.get("request"), "user", None)
    if user is None:
        return []
    return household_panels(user, household)
