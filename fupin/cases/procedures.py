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

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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
