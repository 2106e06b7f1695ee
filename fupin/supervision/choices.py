"""Code lists of supervision (督查), each defined once with a translatable label."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UnitKind(models.TextChoices):
    """What kind of body a supervised unit is."""

    TOWNSHIP = "township", _("Township government")  # 乡镇人民政府
    VILLAGE = "village", _("Village committee")  # 村民委员会
    DEPARTMENT = "department", _("County department")  # 县直部门
    OTHER = "other", pgettext_lazy("unit kind", "Other")


class InspectionKind(models.TextChoices):
    ROUTINE = "routine", _("Routine inspection")  # 常规督查
    SPECIAL = "special", _("Special inspection")  # 专项督查
    UNANNOUNCED = "unannounced", _("Unannounced inspection")  # 暗访


class FindingCategory(models.TextChoices):
    """What an inspection found wrong (问题类别)."""

    IDENTIFICATION = "identification", _("Inaccurate identification")  # 识别不精准
    EXIT = "exit", _("Exit not genuine")  # 退出不实
    ASSISTANCE = "assistance", _("Assistance not in place")  # 帮扶不到位
    POLICY = "policy", _("Policies not implemented")  # 政策落实不到位
    FUNDS = "funds", _("Misuse of funds")  # 资金使用不规范
    DATA = "data", _("Data quality")  # 数据质量
    FILES = "files", _("Incomplete files")  # 档案资料不全
    STYLE = "style", _("Work style")  # 作风问题
    OTHER = "other", pgettext_lazy("finding category", "Other")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    GENERAL = "general", pgettext_lazy("severity", "General")
    SERIOUS = "serious", pgettext_lazy("severity", "Serious")


class FindingStatus(models.TextChoices):
    """A finding's state. `overdue` is set by the daily sweep once the deadline has
    passed with no rectification report awaiting verification or accepted; the
    counting of failures never relies on it (it reads the dates)."""

    OPEN = "open", pgettext_lazy("supervision", "Open")
    SUBMITTED = "submitted", _("Awaiting verification")
    RECTIFIED = "rectified", _("Rectified")
    OVERDUE = "overdue", pgettext_lazy("supervision", "Overdue")
    FAILED = "failed", _("Failed")


OPEN_STATUSES = (FindingStatus.OPEN, FindingStatus.SUBMITTED, FindingStatus.OVERDUE)


class Verdict(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", pgettext_lazy("verdict", "Rejected")


class EscalationStep(models.TextChoices):
    """Escalation per unit within a period: 1st failure → 通报, 2nd → 约谈, 3rd+ → 问责."""

    NOTICE = "notice", _("Circulated notice (通报)")
    TALK = "talk", _("Admonishment talk (约谈)")
    ACCOUNTABILITY = "accountability", _("Accountability (问责)")


STEP_BY_COUNT = {1: EscalationStep.NOTICE, 2: EscalationStep.TALK}


def step_for(count: int) -> str:
    """The step for a unit's `count`-th failure within the period."""
    return STEP_BY_COUNT.get(count, EscalationStep.ACCOUNTABILITY)


class EscalationState(models.TextChoices):
    PROPOSED = "proposed", _("To be decided")
    ISSUED = "issued", _("Issued")
    WAIVED = "waived", _("Waived")


class FailureKind(models.TextChoices):
    OVERDUE = "overdue", _("Deadline passed without verified rectification")
    FAILED = "failed", _("Marked failed by the inspector")


class PeriodKind(models.TextChoices):
    """The period a task list covers (年/季/月/周)."""

    YEAR = "year", pgettext_lazy("period", "Year")
    QUARTER = "quarter", pgettext_lazy("period", "Quarter")
    MONTH = "month", pgettext_lazy("period", "Month")
    WEEK = "week", pgettext_lazy("period", "Week")


class Level(models.TextChoices):
    """The level a responsibility list (责任清单) belongs to."""

    COUNTY = "county", pgettext_lazy("responsibility level", "County")
    TOWNSHIP = "township", pgettext_lazy("responsibility level", "Township")
    VILLAGE = "village", pgettext_lazy("responsibility level", "Village")
    DEPARTMENT = "department", pgettext_lazy("responsibility level", "Department")
