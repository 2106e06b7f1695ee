"""Every indicator, defined once.

Each figure has a stable code, a label and a written definition (shown on hover on the
pages and listed in fupin/indicators/README.md). The engine (`indicators.engine`)
computes every figure the same way at every level: counts are summed over the villages
below a node, and rates are computed from those summed counts (never averaged), so a
township's figures are exactly the sum of its villages' counts.

Statuses (HouseholdStatus) used by the definitions:

- in poverty (未脱贫): household status "poor" or "returned";
- exited (已脱贫): status "exited", or a monitoring object whose type is
  "unstable exited" (an exited household under return-to-poverty monitoring);
- registered poor (建档立卡贫困人口): in poverty + exited; removed households (wrongly
  identified, 清退) are counted apart and are not registered poor.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.assistance.choices import MeasureKind
from fupin.industry.models import LinkMode
from fupin.monitoring.models import RiskLevel
from fupin.registry.choices import (
    Health,
    HouseholdCategory,
    LabourCapacity,
    PovertyCause,
)

if TYPE_CHECKING:  # a name of django-stubs only
    from django.utils.functional import _StrOrPromise as StrOrPromise

PEOPLE = "people"
HOUSEHOLDS = "households"
PERCENT = "percent"
SCORE = "score"
YUAN = "yuan"  # money, to the fen
VILLAGES = "villages"
COUNTIES = "counties"

STOCK = "stock"  # a state on the as-of date
FLOW = "flow"  # a change over the period (1 January of the as-of year → as-of date)
RATE = "rate"  # a ratio of two summed counts
BREAKDOWN = "breakdown"  # a stock split by a code list


@dataclass(frozen=True)
class Definition:
    code: str
    label: StrOrPromise  # lazy translated, as is the definition
    definition: StrOrPromise
    unit: str  # a key of UNIT_LABELS
    kind: str
    group: str = ""
    # For rates: the codes of the numerator and denominator counts.
    numerator: str = ""
    denominator: str = ""


def _fmt(template, **kwargs) -> str:
    return str(template) % {k: str(v) for k, v in kwargs.items()}


_fmt_lazy = lazy(_fmt, str)

UNIT_LABELS: dict[str, StrOrPromise] = {
    PEOPLE: pgettext_lazy("unit", "people"),
    HOUSEHOLDS: pgettext_lazy("unit", "households"),
    PERCENT: "%",
    SCORE: pgettext_lazy("unit", "points"),
    YUAN: pgettext_lazy("unit", "yuan"),
    VILLAGES: pgettext_lazy("unit", "villages"),
    COUNTIES: pgettext_lazy("unit", "counties"),
}

GROUP_LABELS = OrderedDict(
    [
        ("population", _("Population and registered poor")),
        ("flows", _("Flows over the period")),
        ("category", _("Registered poor people by household category")),
        ("cause", _("Registered poor people by main poverty cause")),
        ("health", _("Registered poor people by health")),
        ("labour", _("Registered poor people by labour capacity")),
        ("age", _("Registered poor people by age group")),
        ("measures", _("Households receiving measures in the period")),
        ("assistance", _("Pairing and visits")),
        ("microcredit", _("Microcredit")),
        ("employment", _("Public-welfare posts and employment")),
        ("relocation", _("Relocation")),
        ("training", _("Training")),
        ("industry", _("Industry benefit-linking")),
        ("education", _("Education aid")),
        ("insurance", _("Health and insurance")),
        ("monitoring", _("Monitoring objects by risk level")),
        ("quality", _("Data quality")),
        ("areas", _("Poor villages and counties")),
    ]
)

# Age groups (years completed on the as-of date): pre-school, compulsory schooling,
# working age, elderly.
AGE_GROUPS = [
    ("0_5", 0, 5, _("Aged 0–5")),
    ("6_15", 6, 15, _("Aged 6–15")),
    ("16_59", 16, 59, _("Aged 16–59")),
    ("60_plus", 60, 200, _("Aged 60 and over")),
]

_REGISTERED_NOTE = _(
    "Registered poor people (in poverty or exited, removed households excluded) on the "
    "as-of date, counted in the village of their household"
)


def _build() -> OrderedDict[str, Definition]:
    d: OrderedDict[str, Definition] = OrderedDict()

    def add(code, label, definition, unit, kind, group, **kw):
        d[code] = Definition(code, label, definition, unit, kind, group, **kw)

    g = "population"
    add(
        "rural_population",
        _("Rural registered population"),
        _(
            "Rural registered population (乡村户籍人口) of the villages, from the village "
            "profiles as of the date; the denominator of poverty incidence."
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "rural_households",
        _("Rural registered households"),
        _("Rural registered households of the villages, from the village profiles."),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "registered_households",
        _("Registered poor households"),
        _(
            "Households in poverty or exited on the as-of date (建档立卡贫困户); removed "
            "households are not counted."
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "registered_people",
        _("Registered poor people"),
        _(
            "Members in the household on the as-of date of households in poverty or "
            "exited (建档立卡贫困人口)."
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "poor_households",
        _("Households in poverty"),
        _(
            "Households whose status on the as-of date is in poverty or returned to "
            "poverty (未脱贫户)."
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "poor_people",
        _("People in poverty"),
        _(
            "Members of households in poverty or returned to poverty on the as-of date "
            "(未脱贫人口); the numerator of poverty incidence."
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "exited_households",
        _("Exited households"),
        _(
            "Households whose status on the as-of date is exited, including exited "
            "households under monitoring as unstable (已脱贫户)."
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "exited_people",
        _("Exited people"),
        _("Members of exited households on the as-of date (已脱贫人口)."),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "returned_households",
        _("Households returned to poverty"),
        _("Households whose status on the as-of date is returned to poverty (返贫户)."),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "returned_people",
        _("People returned to poverty"),
        _(
            "Members of households returned to poverty on the as-of date (返贫人口); "
            "they are also counted in people in poverty."
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "removed_households",
        _("Removed households"),
        _(
            "Households whose status on the as-of date is removed as wrongly identified "
            "(清退户); not registered poor."
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "removed_people",
        _("Removed people"),
        _("Members of removed households on the as-of date (清退人口)."),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "poverty_incidence",
        _("Poverty incidence"),
        _(
            "贫困发生率 = people in poverty ÷ rural registered population × 100, both "
            "summed over the villages of the area."
        ),
        PERCENT,
        RATE,
        g,
        numerator="poor_people",
        denominator="rural_population",
    )

    g = "flows"
    period = _(
        "The period runs from 1 January of the as-of year to the as-of date; a "
        "household's status at the start is compared with its status at the end, and it "
        "is counted in its village at the end."
    )
    for code, label, text in [
        (
            "newly_included",
            _("Newly included"),
            _(
                "not registered poor at the start (absent, candidate or only monitored), "
                "registered poor at the end (新识别)"
            ),
        ),
        (
            "exited",
            pgettext_lazy("flow", "Exited"),
            _("in poverty at the start, exited at the end (脱贫)"),
        ),
        (
            "returned",
            pgettext_lazy("flow", "Returned to poverty"),
            _("not returned at the start, returned to poverty at the end (返贫)"),
        ),
        (
            "removed",
            pgettext_lazy("flow", "Removed"),
            _("not removed at the start, removed at the end (清退)"),
        ),
    ]:
        add(
            f"flow_{code}_households",
            _fmt_lazy(_("%(label)s: households"), label=label),
            _fmt_lazy(_("Households %(text)s. %(period)s"), text=text, period=period),
            HOUSEHOLDS,
            FLOW,
            g,
        )
        add(
            f"flow_{code}_people",
            _fmt_lazy(_("%(label)s: people"), label=label),
            _fmt_lazy(
                _("Members, at the end of the period, of households %(text)s. %(period)s"),
                text=text,
                period=period,
            ),
            PEOPLE,
            FLOW,
            g,
        )
    add(
        "flow_members_added",
        _("Members added"),
        _(
            "Member records in a household at the end of the period that were not in it "
            "at the start (birth, marriage in, moving in, added), counted in the village "
            "of the household; a person moving between households is added in one and "
            "removed from the other."
        ),
        PEOPLE,
        FLOW,
        g,
    )
    add(
        "flow_members_removed",
        _("Members removed"),
        _(
            "Member records in a household at the start of the period that are no longer "
            "in it at the end (death, marriage out, moving out, split), counted in the "
            "village of the household at the end."
        ),
        PEOPLE,
        FLOW,
        g,
    )

    for group, choices, prefix in [
        ("category", HouseholdCategory, "category"),
        ("cause", PovertyCause, "cause"),
        ("health", Health, "health"),
        ("labour", LabourCapacity, "labour"),
    ]:
        for value, value_label in choices.choices:
            add(
                f"{prefix}_{value}",
                value_label,
                _fmt_lazy(
                    _("%(who)s, whose value is: %(value)s."),
                    who=_REGISTERED_NOTE,
                    value=value_label,
                ),
                PEOPLE,
                BREAKDOWN,
                group,
            )
    for key, _lo, _hi, label in AGE_GROUPS:
        add(
            f"age_{key}",
            label,
            _fmt_lazy(
                _("%(who)s, by age in completed years on the as-of date: %(value)s."),
                who=_REGISTERED_NOTE,
                value=label,
            ),
            PEOPLE,
            BREAKDOWN,
            "age",
        )

    for value, label in MeasureKind.choices:
        add(
            f"measure_{value}",
            label,
            _fmt_lazy(
                _(
                    "Households (any status) that received at least one measure of this "
                    "kind (%(value)s) dated within the period (1 January of the as-of year "
                    "to the as-of date)."
                ),
                value=label,
            ),
            HOUSEHOLDS,
            FLOW,
            "measures",
        )

    g = "assistance"
    target = _(
        "Households to be assisted on the as-of date: households in poverty, monitoring "
        "objects, and exited households within the transition period after their exit "
        "(过渡期, 脱贫不脱帮扶: the years set in the assistance policy of the household's "
        "region, five nationally, counted from the day its exit case passed)."
    )
    add("assist_target_households", _("Households to be assisted"), target, HOUSEHOLDS, STOCK, g)
    add(
        "paired_households",
        _("Paired households"),
        _fmt_lazy(
            _("%(target)s Of these, those with a cadre paired on the as-of date."),
            target=target,
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "pairing_coverage",
        _("Pairing coverage"),
        _("Paired households ÷ households to be assisted × 100."),
        PERCENT,
        RATE,
        g,
        numerator="paired_households",
        denominator="assist_target_households",
    )
    add(
        "visited_households",
        _("Visited households"),
        _(
            "Households to be assisted with at least one recorded cadre visit dated within "
            "the period (1 January of the as-of year to the as-of date)."
        ),
        HOUSEHOLDS,
        FLOW,
        g,
    )
    add(
        "visit_coverage",
        _("Visit coverage"),
        _("Visited households ÷ households to be assisted × 100."),
        PERCENT,
        RATE,
        g,
        numerator="visited_households",
        denominator="assist_target_households",
    )
    add(
        "visit_due_households",
        _("Households due for a visit"),
        _fmt_lazy(
            _(
                "%(target)s Of these, those with a cadre paired on the as-of date whose "
                "pairing started at least the visit interval of the assistance policy of "
                "the household's village (走访周期) before the as-of date: a visit is due."
            ),
            target=target,
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "visit_compliant_households",
        _("Households visited on time"),
        _(
            "Households due for a visit where every due pairing's cadre visited the "
            "household after the as-of date minus the visit interval and on or before the "
            "as-of date (the rule of the assistance app's overdue list); a household with "
            "one due cadre overdue is not counted, even if another cadre visited it."
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "visit_compliance",
        _("Visit compliance"),
        _(
            "走访达标率 = households visited on time ÷ households due for a visit × 100, "
            "both summed over the villages of the area."
        ),
        PERCENT,
        RATE,
        g,
        numerator="visit_compliant_households",
        denominator="visit_due_households",
    )

    g = "microcredit"
    loan_state = _(
        "A loan's state on the as-of date follows the microcredit rules: outstanding "
        "principal is the amount less the principal repaid on or before the date, for a "
        "loan disbursed on or before it and not written off by then; it is overdue when "
        "the principal repaid by the date is less than the principal of the instalments "
        "due before it (an extended instalment's new date counts from the day the "
        "extension was approved). Counted in the village of the household on the date."
    )
    add(
        "microcredit_households",
        _("Households with a loan outstanding"),
        _fmt_lazy(
            _(
                "Households (any status) with outstanding principal of poverty "
                "microcredit (扶贫小额信贷) on the as-of date. %(state)s"
            ),
            state=loan_state,
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "microcredit_balance",
        _("Microcredit balance"),
        _fmt_lazy(
            _("Outstanding principal of the loans on the as-of date (贷款余额). %(state)s"),
            state=loan_state,
        ),
        YUAN,
        STOCK,
        g,
    )
    add(
        "microcredit_eligible_households",
        _("Households eligible for microcredit"),
        _(
            "Households that may borrow on the as-of date by the microcredit rules: "
            "registered poor (in poverty, returned or exited) or monitoring objects, with "
            "a current member aged 18 to 65 who may be the borrower."
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "microcredit_ever_households",
        _("Eligible households that have borrowed"),
        _(
            "Households eligible for microcredit on the as-of date with at least one loan "
            "disbursed on or before it (repaid, extended or written off included)."
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "microcredit_uptake_rate",
        _("Microcredit uptake"),
        _(
            "用信率 = eligible households that have borrowed ÷ households eligible for "
            "microcredit × 100, both summed over the villages of the area."
        ),
        PERCENT,
        RATE,
        g,
        numerator="microcredit_ever_households",
        denominator="microcredit_eligible_households",
    )
    add(
        "microcredit_overdue_balance",
        _("Overdue microcredit balance"),
        _fmt_lazy(
            _("Outstanding principal of the loans overdue on the as-of date. %(state)s"),
            state=loan_state,
        ),
        YUAN,
        STOCK,
        g,
    )
    add(
        "microcredit_overdue_rate",
        _("Microcredit overdue rate"),
        _(
            "逾期率 = overdue balance ÷ microcredit balance × 100, both summed over the "
            "villages of the area."
        ),
        PERCENT,
        RATE,
        g,
        numerator="microcredit_overdue_balance",
        denominator="microcredit_balance",
    )

    g = "employment"
    labourer = _(
        "A labourer (劳动力) is a person of the household on the as-of date with labour "
        "capacity skilled, ordinary, or weak or half labour, aged 16 to 64; in work when "
        "holding a public-welfare post or working a job (placement or migrant work) on the "
        "date: from its first day to the day before it ended, a post from its start or its "
        "appointment, whichever is later. Counted in the village of the household on the date."
    )
    add(
        "public_post_holders",
        _("Public-welfare post holders"),
        _(
            "People (of any household) holding a public-welfare post (公益性岗位) on the "
            "as-of date: appointed, from the first day held (the start, or the appointment "
            "if later) to the day before the holding ended. Counted in the village of the "
            "holder's household on the date."
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "labourers",
        _("Labourers of registered households"),
        _fmt_lazy(
            _("Labourers of registered poor households (in poverty or exited). %(rule)s"),
            rule=labourer,
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "employed_labourers",
        _("Labourers in work"),
        _fmt_lazy(
            _("Labourers of registered poor households in work on the as-of date. %(rule)s"),
            rule=labourer,
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "employed_labour_rate",
        _("Employed labour rate"),
        _(
            "务工就业率 = labourers in work ÷ labourers of registered households × 100, "
            "both summed over the villages of the area."
        ),
        PERCENT,
        RATE,
        g,
        numerator="employed_labourers",
        denominator="labourers",
    )

    g = "relocation"
    relocated = _(
        "A household is relocated (易地扶贫搬迁) on the as-of date when it moved into its "
        "home at a resettlement site on or before the date; counted in the village of the "
        "household on the date."
    )
    add(
        "relocated_households",
        _("Relocated households"),
        relocated,
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "relocated_people",
        _("Relocated people"),
        _fmt_lazy(
            _("The people relocated with the relocated households, as recorded. %(rule)s"),
            rule=relocated,
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "relocated_labourers",
        _("Labourers of relocated households"),
        _fmt_lazy(
            _("Labourers of the relocated households (any status). %(rule)s %(labourer)s"),
            rule=relocated,
            labourer=labourer,
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "relocated_employed_labourers",
        _("Labourers of relocated households in work"),
        _fmt_lazy(
            _("Labourers of the relocated households in work on the as-of date. %(rule)s"),
            rule=relocated,
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "relocated_labour_employed_rate",
        _("Relocated labour employed rate"),
        _(
            "搬迁劳动力就业率 = labourers of relocated households in work ÷ labourers of "
            "relocated households × 100, both summed over the villages of the area."
        ),
        PERCENT,
        RATE,
        g,
        numerator="relocated_employed_labourers",
        denominator="relocated_labourers",
    )

    g = "training"
    trained = _(
        "Labourers (labour capacity skilled, ordinary, or weak or half labour on the as-of "
        "date) of households due assistance on the as-of date (in poverty, monitoring "
        "objects, or exited within the transition period) who completed a training course "
        "that ended on or before the date; each counted once, in the village of their "
        "household on the date"
    )
    add(
        "trained_labourers",
        _("Labourers trained"),
        _fmt_lazy(_("%(trained)s (技能培训)."), trained=trained),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "certified_labourers",
        _("Labourers holding a certificate"),
        _fmt_lazy(
            _(
                "%(trained)s, holding a certificate of such a course (a training, special "
                "ability, skill level or qualification certificate) issued on or before it."
            ),
            trained=trained,
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "training_completions",
        _("Training completions in the period"),
        _(
            "Completed attendances (人次) of training courses that ended between 1 January "
            "of the as-of year and the as-of date, by people of households due assistance "
            "on the date (someone who completed two courses counts twice)."
        ),
        PEOPLE,
        FLOW,
        g,
    )

    g = "industry"
    link_state = _(
        "A link holds from its first day to its last, once confirmed by the township or "
        "county; counted in the village of the household on the date"
    )
    add(
        "households_benefit_linked",
        _("Households linked to an enterprise"),
        _fmt_lazy(
            _(
                "Households (any status) with a benefit link (利益联结) to an enterprise, "
                "cooperative or family farm holding on the as-of date. %(state)s."
            ),
            state=link_state,
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    for value, label in LinkMode.choices:
        add(
            f"benefit_linked_{value}",
            label,
            _fmt_lazy(
                _(
                    "Households with a link of this mode holding on the as-of date: "
                    "%(value)s (a household linked in two modes counts in both). %(state)s."
                ),
                value=label,
                state=link_state,
            ),
            HOUSEHOLDS,
            BREAKDOWN,
            g,
        )
    add(
        "dividend_households",
        _("Households paid a dividend"),
        _(
            "Households paid a dividend on a benefit link between 1 January of the as-of "
            "year and the as-of date (by the day paid), counted in the village of the "
            "household on the date."
        ),
        HOUSEHOLDS,
        FLOW,
        g,
    )
    add(
        "dividends_paid",
        _("Dividends paid"),
        _(
            "Dividends (分红) paid on benefit links between 1 January of the as-of year and "
            "the as-of date (by the day paid), counted in the village of the household on "
            "the date."
        ),
        YUAN,
        FLOW,
        g,
    )

    g = "education"
    counted = _(
        "Counted in the village, on the as-of date, of the household the row was recorded "
        "for (any status)."
    )
    add(
        "students_aided",
        _("Students aided"),
        _fmt_lazy(
            _(
                "People paid an education benefit (两免一补, a grant or the Rainbow Plan "
                "subsidy) between 1 January of the as-of year and the as-of date, each "
                "person once. %(where)s"
            ),
            where=counted,
        ),
        PEOPLE,
        FLOW,
        g,
    )
    add(
        "rainbow_plan_students",
        _("Rainbow Plan students"),
        _fmt_lazy(
            _(
                "People paid the Rainbow Plan vocational subsidy (雨露计划) between 1 January "
                "of the as-of year and the as-of date, each person once. %(where)s"
            ),
            where=counted,
        ),
        PEOPLE,
        FLOW,
        g,
    )
    add(
        "education_aid_amount",
        _("Education aid paid"),
        _(
            "The education benefits paid between 1 January of the as-of year and the as-of "
            "date, counted in the village, on the as-of date, of the household each was "
            "recorded for."
        ),
        YUAN,
        FLOW,
        g,
    )
    add(
        "dropouts_open",
        _("Children out of school (open dropout cases)"),
        _fmt_lazy(
            _(
                "Children with a dropout case (辍学, 控辍保学) open on the as-of date: found "
                "out of school on or before it and not closed by then. %(where)s"
            ),
            where=counted,
        ),
        PEOPLE,
        STOCK,
        g,
    )

    g = "insurance"
    add(
        "medical_insured_people",
        _("Registered people with basic medical insurance"),
        _(
            "Registered poor people (in poverty or exited) with basic medical insurance "
            "(基本医保) of the as-of year, enrolled on or before the as-of date, in "
            "registered households, counted in the village of the household on the date "
            "(from the health ledger's cover, not the registration form's flag)."
        ),
        PEOPLE,
        STOCK,
        g,
    )
    add(
        "medical_insured_rate",
        _("Basic medical insurance rate"),
        _(
            "参保率 = registered people with basic medical insurance ÷ registered poor people "
            "× 100, both summed over the villages of the area."
        ),
        PERCENT,
        RATE,
        g,
        numerator="medical_insured_people",
        denominator="registered_people",
    )
    add(
        "medical_cost",
        _("Medical costs settled"),
        _(
            "Total cost of the medical reimbursements settled between 1 January of the "
            "as-of year and the as-of date (any status), counted in the village of the "
            "patient's household on the as-of date."
        ),
        YUAN,
        FLOW,
        g,
    )
    add(
        "medical_out_of_pocket",
        _("Medical costs paid out of pocket"),
        _(
            "What the patients of those reimbursements paid themselves: the total cost less "
            "basic medical insurance, serious-illness insurance, medical assistance, "
            "commercial insurance, poverty-prevention insurance and other top-ups."
        ),
        YUAN,
        FLOW,
        g,
    )
    add(
        "out_of_pocket_share",
        _("Out-of-pocket share of medical costs"),
        _(
            "Medical costs paid out of pocket ÷ medical costs settled × 100, over the "
            "reimbursements settled between 1 January of the as-of year and the as-of date, "
            "both summed over the villages of the area."
        ),
        PERCENT,
        RATE,
        g,
        numerator="medical_out_of_pocket",
        denominator="medical_cost",
    )

    g = "monitoring"
    add(
        "monitoring_objects",
        _("Monitoring objects"),
        _(
            "Households under return-to-poverty monitoring on the as-of date (防返贫监测"
            "对象, monitoring status active)."
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    for value, label in RiskLevel.choices:
        add(
            f"risk_{value}",
            label,
            _fmt_lazy(
                _("Monitoring objects whose risk level on the as-of date is: %(value)s."),
                value=label,
            ),
            HOUSEHOLDS,
            BREAKDOWN,
            g,
        )

    g = "quality"
    add(
        "quality_households",
        _("Households checked"),
        _(
            "Households checked by the data-quality rules (Q01–Q19) on the current data; "
            "only for today's figures and for snapshots taken as of their creation day."
        ),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "quality_with_error",
        _("Households with an error"),
        _("Checked households with at least one error-severity violation."),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "quality_with_warning",
        _("Households with warnings only"),
        _("Checked households with warnings but no error."),
        HOUSEHOLDS,
        STOCK,
        g,
    )
    add(
        "quality_score",
        _("Data-quality score"),
        _(
            "100 × (1 − (households with an error + households with warnings only ÷ 2) ÷ "
            "households checked), from the summed counts of the villages (see the "
            "quality app)."
        ),
        SCORE,
        RATE,
        g,
        numerator="quality_with_error",
        denominator="quality_households",
    )

    g = "areas"
    add(
        "poor_villages",
        _("Poor villages not exited"),
        _(
            "Villages registered as poor villages (贫困村) in their profile that have not "
            "exited on the as-of date: no year of exit, or one after the as-of year (the "
            "profile as of the date, from history). A village's exit is set by the village "
            "exit procedure when the county approves it."
        ),
        VILLAGES,
        STOCK,
        g,
    )
    add(
        "poor_villages_exited",
        _("Poor villages exited in the year"),
        _(
            "Poor villages whose year of exit is the as-of year, on the as-of date (from "
            "the village exit cases passed from 1 January to the as-of date)."
        ),
        VILLAGES,
        FLOW,
        g,
    )
    add(
        "poor_counties",
        _("Poor counties not exited"),
        _(
            "Counties designated poor counties (重点县 / 片区县) that have not exited on the "
            "as-of date; counted for a county and the levels above it (none below)."
        ),
        COUNTIES,
        STOCK,
        g,
    )
    add(
        "poor_counties_exited",
        _("Poor counties exited in the year"),
        _(
            "Poor counties whose year of exit (摘帽) is the as-of year, on the as-of date, "
            "set by the county exit procedure when the province approves it; counted for a "
            "county and the levels above it (none below)."
        ),
        COUNTIES,
        FLOW,
        g,
    )
    return d


DEFINITIONS: OrderedDict[str, Definition] = _build()

# The codes of the summable counts (everything but rates).
COUNT_CODES = [code for code, d in DEFINITIONS.items() if d.kind != RATE]
RATE_CODES = [code for code, d in DEFINITIONS.items() if d.kind == RATE]
# Counts of money (yuan to the fen, not whole numbers).
MONEY_CODES = [code for code, d in DEFINITIONS.items() if d.unit == YUAN]


def by_group() -> list[tuple[str, StrOrPromise, list[Definition]]]:
    """(group code, group label, definitions) in display order."""
    out: list[tuple[str, StrOrPromise, list[Definition]]] = []
    for key, label in GROUP_LABELS.items():
        defs = [x for x in DEFINITIONS.values() if x.group == key]
        if defs:
            out.append((key, label, defs))
    return out
