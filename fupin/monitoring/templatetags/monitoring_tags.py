"""{% monitoring_attention as a %} for the home page and {% household_monitoring h as m %}
for the household page: data through the selectors, scoped to the user."""

from django import template

from fupin.cases.procedures import OPEN_FROM, CaseKind
from fupin.monitoring import selectors, services

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag(takes_context=True)
def monitoring_attention(context):
    return selectors.attention(_user(context))


@register.simple_tag(takes_context=True)
def household_monitoring(context, household):
    return selectors.household_panel(_user(context), household)


@register.simple_tag(takes_context=True)
def may_put_under_monitoring(context, household):
    user = _user(context)
    return bool(
        user is not None
        and getattr(user, "may_edit", False)
        and household.status in OPEN_FROM[CaseKind.MONITORING]
    )


@register.simple_tag(takes_context=True)
def may_end_monitoring(context, obj):
    """Whether the user may end this object's monitoring (fupin.accounts.authority)."""

    user = _user(context)
    return user is not None and services.may_end(user, obj)
