"""{% household_cases h as cases %}: the household page's cases, through the selector
(scoped to the user), so the web app's view needs no change."""

from django import template

from fupin.accounts.models import User
from fupin.cases import selectors
from fupin.cases.models import Case
from fupin.registry.models import Household

register = template.Library()


def _user(context: template.Context) -> User | None:
    """The page's signed-in user; None without a request or for an anonymous visitor
    (who sees no case either way)."""
    user = getattr(context.get("request"), "user", None)
    return user if isinstance(user, User) else None


@register.simple_tag(takes_context=True)
def household_cases(context: template.Context, household: Household) -> list[Case]:
    return selectors.household_cases(user=_user(context), household=household)


@register.simple_tag(takes_context=True)
def status_trail(context: template.Context, household: Household) -> selectors.StatusTrail:
    """{% status_trail h as trail %}: the case trail that explains the household's status
    and the actions open to the user (`selectors.status_trail`)."""
    return selectors.status_trail(household, _user(context))
