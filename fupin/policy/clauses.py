"""The clauses a policy set can name, defined once: code, text, and what decides them.

An exclusion clause (不纳入 / 不准纳入) of a region's policy set is data:

    {"code": "JH02", "text": "…", "text_en": "…", "kind": KIND, …source…}

and says how it is decided, by one of three kinds:

- ``department``: a department-comparison finding rule of fupin.compare (``"rule":
  "EXCL_VEHICLE"``). A confirmed finding: the clause fails (not eligible). An open finding
  not yet verified: undecided, pending verification. No finding, and a finished
  comparison of that department's list covered the household's area: the clause holds.
  No such comparison at all: not established.
- ``registry``: a named rule over the household's registry data (``"rule":
  "household_away_a_year"``, see REGISTRY_RULES) or a field of the household compared
  with a value (``"field": "farmland_mu", "op": ">", "value": "50"``: the household is
  excluded when the comparison holds). A value the registry does not hold: not
  established.
- ``attestation``: the village appraisal (民主评议) records whether the situation applies,
  with evidence (fupin.policy.models.ExclusionAttestation); without one: not established.

A clause that cannot be decided is never "met". The old form ``{"code", "trigger"}`` (a
department rule by its trigger) is still read (`normalise`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from fupin.compare.models import EXCLUSION_DATASET, EXCLUSION_RULES, Rule
from fupin.registry.models import Assessment, Household

# ---------------------------------------------------------------- the standard texts

EXCLUSION_TEXT = {
    "EXCL_VEHICLE": _("The family owns a car (farm vehicles and motorcycles do not count)."),
    "EXCL_TOWN_HOUSING": _("The family owns commercial housing in a town."),
    "EXCL_PUBLIC_EMPLOYEE": _(
        "A family member is a public employee (civil servant or public institution staff)."
    ),
    "EXCL_BUSINESS": _("A family member runs a registered business."),
}

DEPARTMENT = "department"
REGISTRY = "registry"
ATTESTATION = "attestation"
KINDS = {
    DEPARTMENT: _("department list"),
    REGISTRY: _("registry data"),
    ATTESTATION: _("attestation of the village appraisal"),
}

DEFAULT_EXCLUSIONS = [{"code": code, "kind": DEPARTMENT, "rule": code} for code in EXCLUSION_TEXT]

# Named rules over the household's registry data (fupin.policy.rules holds their row
# form). Each names the situation that excludes; the clause holds when it is absent.
REGISTRY_RULES = {
    "household_away_a_year": _(
        "Every member of the household has worked away from home for 12 months or more "
        "(migrant months)."
    ),
    "no_member_in_household": _(
        "No member is still in the household (all died, moved out or are missing)."
    ),
}

# Household fields a registry clause may compare, and the comparisons it may use.
FIELD_NAMES = (
    "housing_area",
    "farmland_mu",
    "irrigated_mu",
    "forest_mu",
    "fruit_mu",
    "pasture_mu",
    "water_surface_mu",
    "distance_to_road_km",
    "relocated",
    "in_cooperative",
    "led_by_enterprise",
)
BOOLEAN_FIELDS = ("relocated", "in_cooperative", "led_by_enterprise")
OPS = (">", ">=", "<", "<=", "=", "!=")

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

# ---------------------------------------------------------------- the combining rule

# How income and the guarantees (两不愁三保障) combine in the inclusion test.
#
# national — the national identification rule: household income per person is the basic
# ground, housing, education and health are weighed (以农户收入为基本依据，综合考虑住房、教育、
# 健康等情况; DOMAIN.md §2 "Procedure", wendang.net/wd/633629.html). In code: eligible when
# income is under the line and no exclusion clause fails; income at or above the line is
# not eligible by this test. The guarantees are evaluated and shown ("weighed"), never
# decide: a household above the line with a failed guarantee is flagged for the village
# appraisal's review (Decision.review), and is eligible only under a region's rule that
# says so (one_plus_n).
#
# one_plus_n — a region's own rule (Honghe's "1+N"): eligible when income is under the line
# ("1"), or when at least `n` of the named guarantee conditions fail ("N"); no exclusion
# clause may fail. With n = 1 over all six conditions it is the rule fupin applied before
# policy sets named one ("income under the line, or a guarantee failed").
NATIONAL = "national"
ONE_PLUS_N = "one_plus_n"
COMBINING = {
    NATIONAL: _(
        "National rule: income is the basic ground (under the line), the guarantees are "
        "weighed (a failed guarantee above the line is flagged for review)"
    ),
    ONE_PLUS_N: _(
        "Region's 1+N rule: income under the line, or at least N of the named guarantee "
        "conditions failed"
    ),
}
DEFAULT_COMBINING = {"rule": NATIONAL}


def combining_of(policy_combining: dict | None) -> dict[str, Any]:
    """The combining rule of a policy set, with its defaults filled in."""
    data = dict(policy_combining or DEFAULT_COMBINING)
    if data.get("rule") != ONE_PLUS_N:
        return {"rule": NATIONAL}
    conditions = [c for c in data.get("conditions") or Assessment.CONDITIONS]
    return {"rule": ONE_PLUS_N, "n": int(data.get("n") or 1), "conditions": conditions}


def combining_text(policy_combining: dict | None) -> str:
    data = combining_of(policy_combining)
    if data["rule"] == ONE_PLUS_N:
        names = ", ".join(condition_label(c) for c in data["conditions"])
        return gettext("%(rule)s (N = %(n)s of: %(names)s)") % {
            "rule": COMBINING[ONE_PLUS_N],
            "n": data["n"],
            "names": names,
        }
    return str(COMBINING[NATIONAL])


# ---------------------------------------------------------------- clauses


def normalise(clause: dict) -> dict[str, Any]:
    """A clause in the current form: the old {"code", "trigger"} is a department rule."""
    out = dict(clause)
    if not out.get("kind"):
        out["kind"] = DEPARTMENT
        out["rule"] = out.pop("trigger", None) or out.get("rule") or out.get("code")
    out.pop("trigger", None)
    return out


def exclusion_text(clause: dict) -> str:
    """A county words a clause its own way (Chinese `text`, English `text_en`); otherwise
    the standard text of its department rule or its code."""
    english = (get_language() or "").startswith("en")
    if english and clause.get("text_en"):
        return str(clause["text_en"])
    if clause.get("text"):
        return str(clause["text"])
    if clause.get("text_en"):
        return str(clause["text_en"])
    standard = EXCLUSION_TEXT.get(clause.get("rule") or clause.get("trigger") or clause["code"])
    return str(standard or clause["code"])


def source_text(clause: dict) -> str:
    """What decides the clause, in words: the department list, the registry rule or field,
    or the attestation."""
    c = normalise(clause)
    if c["kind"] == DEPARTMENT:
        rule = c.get("rule") or ""
        label = Rule(rule).label if rule in Rule.values else rule
        return gettext("finding rule %(rule)s (%(label)s)") % {"rule": rule, "label": label}
    if c["kind"] == REGISTRY:
        if c.get("rule"):
            return gettext("registry rule %(rule)s: %(text)s") % {
                "rule": c["rule"],
                "text": REGISTRY_RULES.get(c["rule"], c["rule"]),
            }
        return gettext("registry field %(field)s %(op)s %(value)s") % {
            "field": field_label(c.get("field") or ""),
            "op": c.get("op"),
            "value": c.get("value"),
        }
    return str(KINDS[ATTESTATION])


def _verbose(model: type[Household] | type[Assessment], name: str) -> str:
    field = model._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def field_label(name: str) -> str:
    return _verbose(Household, name) if name in FIELD_NAMES else name


def condition_label(name: str) -> str:
    return _verbose(Assessment, name) if name in Assessment.CONDITIONS else name


def clause_errors(clauses: list[dict]) -> list[str]:
    """What is wrong with a list of clauses, each message naming the clause by its
    position and code (empty: valid)."""
    errors: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(clauses, start=1):
        c = normalise(raw)
        code = str(c.get("code") or "").strip()
        where = gettext("Clause %(n)s (%(code)s)") % {"n": i, "code": code or "—"}

        def bad(message: str, where: str = where) -> None:
            errors.append(f"{where}: {message}")

        if not code:
            bad(gettext("give it a code."))
        elif len(code) > 40:
            bad(gettext("the code is at most 40 characters."))
        elif code in seen:
            bad(gettext("the code is used twice."))
        seen.add(code)
        if not c.get("text") and not c.get("text_en") and c.get("rule") not in EXCLUSION_TEXT:
            bad(gettext("give its text."))
        kind = c.get("kind")
        if kind == DEPARTMENT:
            if c.get("rule") not in {r.value for r in EXCLUSION_RULES}:
                bad(
                    gettext("a department clause names one of the finding rules %(rules)s.")
                    % {"rules": ", ".join(sorted(EXCLUSION_DATASET))}
                )
        elif kind == REGISTRY:
            if c.get("rule"):
                if c["rule"] not in REGISTRY_RULES:
                    bad(gettext("unknown registry rule %(rule)s.") % {"rule": c["rule"]})
            elif c.get("field") not in FIELD_NAMES:
                bad(
                    gettext("a registry clause names a rule or one of the fields %(fields)s.")
                    % {"fields": ", ".join(FIELD_NAMES)}
                )
            elif c.get("op") not in OPS:
                bad(gettext("the comparison is one of %(ops)s.") % {"ops": " ".join(OPS)})
            elif not _value_ok(c["field"], c.get("value")):
                bad(gettext("the value must be a number (or true/false for a yes/no field)."))
        elif kind != ATTESTATION:
            bad(gettext("the kind is department, registry or attestation."))
    return errors


def _value_ok(field: str, value: Any) -> bool:
    if field in BOOLEAN_FIELDS:
        return str(value).lower() in ("true", "false")
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def combining_errors(data: dict | None) -> list[str]:
    if not data:
        return []
    rule = data.get("rule")
    if rule not in COMBINING:
        return [gettext("The combining rule is national or one_plus_n.")]
    if rule == ONE_PLUS_N:
        conditions = data.get("conditions") or Assessment.CONDITIONS
        if any(c not in Assessment.CONDITIONS for c in conditions):
            return [
                gettext("The 1+N conditions are among %(names)s.")
                % {"names": ", ".join(Assessment.CONDITIONS)}
            ]
        n = data.get("n")
        if not isinstance(n, int) or not 1 <= n <= len(conditions):
            return [gettext("N is 1 to the number of conditions named.")]
    return []
