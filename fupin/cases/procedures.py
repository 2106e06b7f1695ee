"""Procedures as data: for each kind of case, the ordered steps it walks through.

Each step names who may do it (a role, which is also a level: village staff, township
station, county office), whether it is a review (approve / return / reject, with a reason
when not approving), how many days it may take, whether it is the public-notice step
(done by nobody: it passes when its notice ends without objection), and whether the
four-eyes rule applies (the township and county reviews: not by the user who opened the
case or did one of its earlier steps; a county may switch the rule off in its policy
data, see fupin.accounts.authority).
A case copies the step codes of its procedure when it is opened, so a later change of
this table (or a county's own table, see `procedure_for`) never reshapes a running case.

Defaults:

- inclusion (纳入): 贫情分析 → 实地调查 → 信息数据复核 → 提出初步方案 → 公开评议 (notice)
  → 逐级审定 as three reviews: village → township → county.
- exit (脱贫退出): 民主评议 → 入户核实 → 农户确认 → 公告公示 (notice) → 备案管理 (county
  review) → 信息录入.
- removal (清退, wrongly identified): 比对核查 (township checks the department
  comparison or the complaint) → 入户核实 → 民主评议 → 公示 (notice) → 乡镇审核 → 县级审定.
- return to poverty (返贫): 农户申请 → 入户核查 → 民主评议 → 公示 (notice) → 乡镇审核
  → 县级审定.
- member change (成员变更): 申请登记 → 乡镇审核.
- monitoring (纳入监测): 农户申请或排查发现 → 入户核实 → 村级评议 → 乡镇审核 → 县级确认;
  the household becomes a monitoring object, its type set by `ON_PASSED` (fupin.monitoring).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fupin.accounts.authority import PREFECTURE, PROVINCE
from fupin.accounts.roles import Role
from fupin.registry.choices import HouseholdStatus


class CaseKind(models.TextChoices):
    INCLUSION = "inclusion", _("Inclusion")
    EXIT = "exit", _("Exit from poverty")
    REMOVAL = "removal", _("Removal")
    RETURN = "return", _("Return to poverty")
    MEMBER_CHANGE = "member_change", _("Member change")
    MONITORING = "monitoring", _("Put under monitoring")


@dataclass(frozen=True)
class Step:
    code: str
    label: Promise
    role: str
    days: int = 7
    review: bool = False
    notice: bool = False
    # The four-eyes rule (fupin.accounts.authority): the user who opened the case or did
    # one of its earlier steps may not take this review; another user of the role must.
    four_eyes: bool = False
    # The levels of the division tree (fupin.geo.models.Level, the level of the user's area)
    # at which the role may do the step; None: the role's own level. The county exit's city
    # review and province check are done by county-office users whose area is the
    # prefecture or the province (fupin.accounts.authority.user_level).
    levels: frozenset[int] | None = None


VILLAGE, TOWNSHIP, COUNTY = Role.VILLAGE_STAFF, Role.TOWNSHIP_STATION, Role.COUNTY_OFFICE

PROCEDURES: dict[str, tuple[Step, ...]] = {
    CaseKind.INCLUSION: (
        Step("analysis", _("Poverty analysis (贫情分析)"), VILLAGE, 10),
        Step("survey", _("Field survey (实地调查)"), VILLAGE, 10),
        Step("data_check", _("Information and data re-check (信息数据复核)"), TOWNSHIP, 10),
        Step("proposal", _("Preliminary proposal (提出初步方案)"), VILLAGE, 7),
        Step("notice", _("Public review and notice (公开评议)"), VILLAGE, 14, notice=True),
        Step("village_review", _("Village approval (村级审定)"), VILLAGE, 7, review=True),
        Step(
            "township_review",
            _("Township review (乡镇审核)"),
            TOWNSHIP,
            10,
            review=True,
            four_eyes=True,
        ),
        Step(
            "county_review",
            _("County approval (县级审定)"),
            COUNTY,
            15,
            review=True,
            four_eyes=True,
        ),
    ),
    CaseKind.EXIT: (
        Step("deliberation", _("Democratic appraisal (民主评议)"), VILLAGE, 10),
        Step("verification", _("Household verification (入户核实)"), TOWNSHIP, 10),
        Step("confirmation", _("Household confirmation (农户确认)"), VILLAGE, 7),
        Step("notice", _("Public notice (公告公示)"), VILLAGE, 14, notice=True),
        Step("filing", _("Filing (备案管理)"), COUNTY, 15, review=True, four_eyes=True),
        Step("entry", _("Data entry (信息录入)"), COUNTY, 7),
    ),
    CaseKind.REMOVAL: (
        Step("check", _("Comparison check (比对核查)"), TOWNSHIP, 10),
        Step("verification", _("Household verification (入户核实)"), VILLAGE, 10),
        Step("deliberation", _("Democratic appraisal (民主评议)"), VILLAGE, 10),
        Step("notice", _("Public notice (公告公示)"), VILLAGE, 14, notice=True),
        Step(
            "township_review",
            _("Township review (乡镇审核)"),
            TOWNSHIP,
            10,
            review=True,
            four_eyes=True,
        ),
        Step(
            "county_review",
            _("County approval (县级审定)"),
            COUNTY,
            15,
            review=True,
            four_eyes=True,
        ),
    ),
    CaseKind.RETURN: (
        Step("application", _("Household application (农户申请)"), VILLAGE, 7),
        Step("verification", _("Household verification (入户核实)"), VILLAGE, 10),
        Step("deliberation", _("Democratic appraisal (民主评议)"), VILLAGE, 10),
        Step("notice", _("Public notice (公告公示)"), VILLAGE, 14, notice=True),
        Step(
            "township_review",
            _("Township review (乡镇审核)"),
            TOWNSHIP,
            10,
            review=True,
            four_eyes=True,
        ),
        Step(
            "county_review",
            _("County approval (县级审定)"),
            COUNTY,
            15,
            review=True,
            four_eyes=True,
        ),
    ),
    CaseKind.MEMBER_CHANGE: (
        Step("registration", _("Change registration (申请登记)"), VILLAGE, 7),
        Step(
            "township_review",
            _("Township review (乡镇审核)"),
            TOWNSHIP,
            10,
            review=True,
            four_eyes=True,
        ),
    ),
    CaseKind.MONITORING: (
        Step("application", _("Application or screening (农户申请或排查发现)"), VILLAGE, 7),
        Step("verification", _("Household verification (入户核实)"), VILLAGE, 10),
        Step("village_review", _("Village appraisal (村级评议)"), VILLAGE, 7, review=True),
        Step(
            "township_review",
            _("Township review (乡镇审核)"),
            TOWNSHIP,
            10,
            review=True,
            four_eyes=True,
        ),
        Step(
            "county_review",
            _("County confirmation (县级确认)"),
            COUNTY,
            15,
            review=True,
            four_eyes=True,
        ),
    ),
}

# What the household's status becomes when the last step passes (None: unchanged).
FINAL_STATUS: dict[str, str | None] = {
    CaseKind.INCLUSION: HouseholdStatus.POOR,
    CaseKind.EXIT: HouseholdStatus.EXITED,
    CaseKind.REMOVAL: HouseholdStatus.REMOVED,
    CaseKind.RETURN: HouseholdStatus.RETURNED,
    CaseKind.MEMBER_CHANGE: None,
    CaseKind.MONITORING: HouseholdStatus.MONITORED,
}

# Called (keyword arguments case, actor, today) in the transaction of the last step, after
# the status change: e.g. the monitoring app sets the monitoring object type. An app above
# this one registers its function at start-up (`register_on_passed` in its AppConfig.ready),
# so that cases never imports it.
ON_PASSED: dict[str, Callable[..., None]] = {}


def register_on_passed(kind: str, fn: Callable[..., None]) -> None:
    """Declare what happens when a case of `kind` passes its last step (one place:
    `fupin.monitoring.apps.MonitoringConfig.ready` for the monitoring case)."""
    ON_PASSED[kind] = fn


# The household statuses from which a case of each kind may be opened.
OPEN_FROM: dict[str, set[str]] = {
    CaseKind.INCLUSION: {HouseholdStatus.CANDIDATE, HouseholdStatus.REMOVED},
    CaseKind.EXIT: {HouseholdStatus.POOR, HouseholdStatus.RETURNED},
    CaseKind.REMOVAL: {HouseholdStatus.POOR, HouseholdStatus.RETURNED, HouseholdStatus.EXITED},
    CaseKind.RETURN: {HouseholdStatus.EXITED, HouseholdStatus.MONITORED},
    CaseKind.MEMBER_CHANGE: set(HouseholdStatus.values),
    CaseKind.MONITORING: {
        HouseholdStatus.EXITED,
        HouseholdStatus.CANDIDATE,
        HouseholdStatus.REMOVED,
    },
}

# Which policy test the decision snapshot of each kind is taken from.
POLICY_TEST: dict[str, str | None] = {
    CaseKind.INCLUSION: "inclusion",
    CaseKind.EXIT: "exit",
    CaseKind.REMOVAL: "inclusion",
    CaseKind.RETURN: "inclusion",
    CaseKind.MEMBER_CHANGE: None,
    CaseKind.MONITORING: "inclusion",
}

# Kinds whose negative outcome is told to the household in a written notice (告知书).
WRITTEN_NOTICE_KINDS = {CaseKind.REMOVAL, CaseKind.INCLUSION}

APPEAL_DAYS = 15  # a household may appeal within this many days of its written notice
APPEAL_DECISION_DAYS = 15  # the level appealed to decides within this many days
DEFAULT_NOTICE_DAYS = 7

# An appeal goes one level up: to the township first, then to the county.
APPEAL_LEVELS = (TOWNSHIP, COUNTY)


def procedure_for(kind: str, area_code: str = "") -> tuple[Step, ...]:
    """The procedure of a kind of case in an area. One table today; a county's own
    table would be looked up here by `area_code`."""
    return PROCEDURES[kind]


def step_of(kind: str, code: str) -> Step:
    for step in PROCEDURES[kind]:
        if step.code == code:
            return step
    raise KeyError(code)


# ---------------------------------------------------------------- area exit (贫困村/贫困县退出)


class AreaKind(models.TextChoices):
    VILLAGE_EXIT = "village_exit", _("Poor-village exit")
    COUNTY_EXIT = "county_exit", _("Poor-county exit")


# The division level each kind of area case is opened on (fupin.geo.models.Level).
AREA_LEVEL: dict[str, int] = {AreaKind.VILLAGE_EXIT: 5, AreaKind.COUNTY_EXIT: 3}

CITY, PROVINCE_ONLY = frozenset({PREFECTURE}), frozenset({PROVINCE})

# 《关于建立贫困退出机制的意见》 (2016): a poor village exits when its poverty incidence is
# under the threshold, weighing infrastructure, public services and collective income,
# with a notice at township level; a poor county is proposed by the county, reviewed by
# the city, checked by the province (专项评估检查, "三率一度", any failing indicator
# vetoes), noticed, then approved by the province. The step that checks (`checks`) records
# the checklist on the case; the last step refuses while an item of it fails.
AREA_PROCEDURES: dict[str, tuple[Step, ...]] = {
    AreaKind.VILLAGE_EXIT: (
        Step("application", _("Village application (村申请)"), VILLAGE, 10),
        Step(
            "verification",
            _("Township verification of the checklist (乡镇核查)"),
            TOWNSHIP,
            15,
            review=True,
            four_eyes=True,
        ),
        Step("notice", _("Township public notice (乡镇公示)"), TOWNSHIP, 7, notice=True),
        Step(
            "approval",
            _("County approval (县级审定)"),
            COUNTY,
            15,
            review=True,
            four_eyes=True,
        ),
    ),
    AreaKind.COUNTY_EXIT: (
        Step("proposal", _("County proposal (县级申请)"), COUNTY, 15),
        Step(
            "city_review",
            _("City review (市级初审)"),
            COUNTY,
            20,
            review=True,
            four_eyes=True,
            levels=CITY,
        ),
        Step(
            "province_check",
            _("Province check with the assessment (省级专项评估检查)"),
            COUNTY,
            30,
            review=True,
            four_eyes=True,
            levels=PROVINCE_ONLY,
        ),
        Step(
            "notice",
            _("Public notice (公示)"),
            COUNTY,
            10,
            notice=True,
            levels=PROVINCE_ONLY,
        ),
        Step(
            "approval",
            _("Province approval and report (省级批准退出)"),
            COUNTY,
            20,
            review=True,
            four_eyes=True,
            levels=PROVINCE_ONLY,
        ),
    ),
}

# The step at which the checklist (and for a county, its latest finished assessment) is
# read and recorded on the case; the last step reads it again and refuses on a failing item.
AREA_CHECK_STEP: dict[str, str] = {
    AreaKind.VILLAGE_EXIT: "verification",
    AreaKind.COUNTY_EXIT: "province_check",
}


def area_procedure_for(kind: str, area_code: str = "") -> tuple[Step, ...]:
    """The procedure of a kind of area case (one table today; a county's own would be
    looked up here by `area_code`, as for the household cases)."""
    return AREA_PROCEDURES[kind]


def area_step_of(kind: str, code: str) -> Step:
    for step in AREA_PROCEDURES[kind]:
        if step.code == code:
            return step
    raise KeyError(code)


# The exit checklist of an area: (kind, area code, date) → {"items": [{code, label,
# required, actual, met, missing, source}], "criteria": text, "assessment": {...} | None}.
# The indicators app owns the village and county exit tests (fupin.indicators.readiness)
# and registers them at start-up (`register_exit_checklist` in its AppConfig.ready), so that
# cases never imports the layer above it.
EXIT_CHECKLIST: dict[str, Callable[..., dict[str, Any]]] = {}


def register_exit_checklist(kind: str, fn: Callable[..., dict[str, Any]]) -> None:
    """Declare how the checklist of an area exit is evaluated (one place:
    `fupin.indicators.apps.IndicatorsConfig.ready`)."""
    EXIT_CHECKLIST[kind] = fn
