"""Example policy data a region can start from (`fupin policy-example NAME --region CODE`),
and the demo county's provincial lines.

**These are examples compiled from the domain reference** (DOMAIN.md §2 "Exclusion lists":
the Yunnan 十原则 http://m.2word.com/show.php?id=622166 and the other lists cited there),
not the text of Jianghua's or Honghe's own documents, which the reference does not hold:
a county replaces them with its own wording on the policy page. Each clause says how it is
decided (department list, registry, attestation of the village appraisal).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.accounts.models import User
from fupin.policy import services
from fupin.policy.models import PolicySet
from fupin.policy.rules import ILL_OR_DISABLED_NO_LABOUR
from fupin.policy.selectors import NoPolicy, current_policy

EXAMPLE_NOTE = (
    "示例：据领域参考资料（DOMAIN.md §2 不纳入清单、云南十原则）整理，非该县原文 / "
    "Example compiled from the domain reference (DOMAIN.md §2 exclusion lists, the Yunnan "
    "十原则), not the county's own text."
)


def _c(code: str, text: str, text_en: str, kind: str, **source: Any) -> dict[str, Any]:
    return {"code": code, "text": text, "text_en": text_en, "kind": kind, **source}


# Jianghua (江华瑶族自治县, Hunan) "七个不纳入": seven do-not-include clauses.
JIANGHUA_SEVEN = [
    _c(
        "JH01",
        "家庭成员中有财政供养人员（公务员、事业单位人员）的不纳入",
        "A family member is paid by the state budget (civil servant or public institution)",
        "department",
        rule="EXCL_PUBLIC_EMPLOYEE",
    ),
    _c(
        "JH02",
        "家庭拥有小汽车（农用车、摩托车除外）的不纳入",
        "The family owns a car (farm vehicles and motorcycles excepted)",
        "department",
        rule="EXCL_VEHICLE",
    ),
    _c(
        "JH03",
        "在城镇购买商品房、门面或自建房的不纳入",
        "The family bought commercial housing or a shop, or built a house, in a town",
        "department",
        rule="EXCL_TOWN_HOUSING",
    ),
    _c(
        "JH04",
        "家庭成员开办有实际经营的工商企业的不纳入",
        "A family member runs a registered business that actually operates",
        "department",
        rule="EXCL_BUSINESS",
    ),
    _c(
        "JH05",
        "种养大户或长期雇佣他人从事生产经营的不纳入",
        "A large grower or livestock farmer, or employing others for a long time",
        "attestation",
    ),
    _c(
        "JH06",
        "为享受政策拆户、分户、空挂户的不纳入",
        "The household was split or merged, or is registered without living here, to qualify",
        "attestation",
    ),
    _c(
        "JH07",
        "全家常年在外务工一年以上的不纳入",
        "The whole family has worked away from home for a year or more",
        "registry",
        rule="household_away_a_year",
    ),
]

# Honghe (红河州, Yunnan) "十类不准纳入": ten situations.
HONGHE_TEN = [
    _c(
        "HH01",
        "家庭成员或户主的父母、配偶、子女为公职人员或财政供养人员",
        "A member, or the head's parent, spouse or child, is a public servant or state-paid",
        "department",
        rule="EXCL_PUBLIC_EMPLOYEE",
    ),
    _c(
        "HH02",
        "家庭成员为村三委成员",
        "A member sits on the village committees (村三委)",
        "attestation",
    ),
    _c(
        "HH03",
        "购买3万元以上车辆",
        "A vehicle bought for more than 30,000 yuan",
        "department",
        rule="EXCL_VEHICLE",
    ),
    _c(
        "HH04",
        "在城镇拥有商品房、门面或自建房",
        "Commercial housing, a shop or a self-built house in a town",
        "department",
        rule="EXCL_TOWN_HOUSING",
    ),
    _c(
        "HH05",
        "注册有实际经营的公司",
        "A registered company that actually operates",
        "department",
        rule="EXCL_BUSINESS",
    ),
    _c(
        "HH06",
        "种养殖大户或雇佣他人",
        "A large grower or livestock farmer, or employing others",
        "attestation",
    ),
    _c("HH07", "为纳入而拆户、并户", "Splitting or merging households to qualify", "attestation"),
    _c(
        "HH08",
        "空挂户（户在人不在）",
        "Registered in the village but not living there (空挂户)",
        "registry",
        rule="household_away_a_year",
    ),
    _c(
        "HH09",
        "家庭成员均已死亡、服刑或失踪",
        "No member still in the household (died, in prison or missing)",
        "registry",
        rule="no_member_in_household",
    ),
    _c(
        "HH10",
        "豪华装修或购买5000元以上家电，或对举报不能说明情况",
        "Luxury renovation or appliances over 5,000 yuan, or a complaint left unexplained",
        "attestation",
    ),
]

# Honghe's "1+N" [U]: the domain reference names the rule but not its N; the example
# takes income under the line, or one of the six conditions failed.
HONGHE_COMBINING = {
    "rule": "one_plus_n",
    "n": 1,
    "conditions": [
        "food_secure",
        "clothing_secure",
        "education_secured",
        "medical_secured",
        "housing_secured",
        "water_secured",
    ],
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "jianghua": {
        "exclusions": JIANGHUA_SEVEN,
        "combining": {"rule": "national"},
        "key_assistance": [ILL_OR_DISABLED_NO_LABOUR],
    },
    "honghe": {
        "exclusions": HONGHE_TEN,
        "combining": HONGHE_COMBINING,
        "key_assistance": [ILL_OR_DISABLED_NO_LABOUR],
    },
}

# The demo county's province (Hunan, 430000000000): the lines that fupin's national
# defaults carried for 2017–2019 before 0008. They look like provincial exit lines; none
# is verified for Hunan (DOMAIN.md §2 gives 3535 as Guizhou's 2018 exit line and marks
# 3335 and 3747 [U]).
HUNAN = "430000000000"
PROVINCIAL_LINES: dict[str, dict[int, tuple[str, str]]] = {
    HUNAN: {
        2017: ("3335", "provincial exit line 2017 [U] (DOMAIN.md §2, §7): not verified"),
        2018: (
            "3535",
            "provincial exit line 2018 [U]: the value DOMAIN.md §2 gives for Guizhou "
            "(allen-un.com), not verified for this province",
        ),
        2019: ("3747", "provincial exit line 2019 [U] (DOMAIN.md §2, §7): not verified"),
    }
}


def seed_provincial_lines(*, actor: User, province: str) -> list[PolicySet]:
    """A provincial policy version for each year of PROVINCIAL_LINES[province] that the
    province has none of yet, based on the national set of the year (recorded)."""
    out = []
    for year, (value, source) in sorted(PROVINCIAL_LINES.get(province, {}).items()):
        if PolicySet.objects.filter(region_id=province, year=year).exists():
            continue
        base = current_policy("", on=dt.date(year, 12, 31), year=year)
        out.append(
            services.policy_new_version(
                actor=actor,
                base=base,
                data={
                    "income_line": value,
                    "income_line_source": source,
                    "income_line_verified": False,
                    "effective_from": dt.date(year, 1, 1),
                },
                reason="省定脱贫标准（示例数据，未核实）/ provincial line (example, unverified)",
                region_code=province,
            )
        )
    return out


def apply_example(*, actor: User, name: str, region: str, year: int) -> PolicySet:
    """A new version of the policy of `region` for `year` with the example's clauses,
    combining rule and key-assistance criteria (recorded, with the example's note)."""
    example = EXAMPLES[name]
    try:
        base = current_policy(region, on=dt.date(year, 12, 31), year=year)
    except NoPolicy:
        base = current_policy(region, on=dt.date(year, 12, 31))
    return services.policy_new_version(
        actor=actor,
        base=base,
        data={**example, "note": EXAMPLE_NOTE},
        reason=f"example clauses: {name}",
        region_code=region,
    )
