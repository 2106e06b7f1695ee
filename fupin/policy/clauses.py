"""The clauses a policy set can name, defined once: code, text, and what decides them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Exclusion clauses (不予纳入): each is triggered by a department-comparison finding rule
# (fupin.compare) on the household; a dismissed finding does not count.
EXCLUSION_TEXT = {
    "EXCL_VEHICLE": _("The family owns a car (farm vehicles and motorcycles do not count)."),
    "EXCL_TOWN_HOUSING": _("The family owns commercial housing in a town."),
    "EXCL_PUBLIC_EMPLOYEE": _(
        "A family member is a public employee (civil servant or public institution staff)."
    ),
    "EXCL_BUSINESS": _("A family member runs a registered business."),
}

DEFAULT_EXCLUSIONS = [{"code": code, "trigger": code} for code in EXCLUSION_TEXT]

INCOME_UNDER_LINE = "INC_UNDER_LINE"
INCOME_ABOVE_LINE = "INC_ABOVE_LINE"
GUARANTEE_FAILED = "GUARANTEE_FAILED"
GUARANTEES_MET = "GUARANTEES_MET"

TEXT = {
    INCOME_UNDER_LINE: _("Net income per person is under the income line."),
    INCOME_ABOVE_LINE: _("Net income per person is stably above the income line for the year."),
    GUARANTEE_FAILED: _(
        "At least one of food, clothing, compulsory education, basic medical care, safe "
        "housing and safe drinking water is not guaranteed."
    ),
    GUARANTEES_MET: _(
        "Food, clothing, compulsory education, basic medical care, safe housing and safe "
        "drinking water are all guaranteed."
    ),
}


def exclusion_text(clause: dict) -> str:
    """A county may word a clause its own way; otherwise the standard text."""
    return clause.get("text") or str(EXCLUSION_TEXT.get(clause["code"], clause["code"]))
