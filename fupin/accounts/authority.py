"""Who may take each decision that a procedure owns: one table, kept as data.

The steps of the cases (inclusion, exit, removal, return, member change, monitoring) name
their role in their own table, `fupin.cases.procedures`. Every other decision a procedure
owns is listed here: which roles may take it, at which level of the division tree (the
level of the user's area), and whether the four-eyes rule applies — the user who
proposed or submitted the thing may not approve, verify or accept it.

Services call `require(actor, ACTION, area_code, authors=...)` before they write (a 403
with the reason otherwise); pages call `may(...)` with the same arguments to show only the
actions the user may take. Nothing else decides these questions: no `if user.role == …`
in views, templates or services.

The four-eyes rule is on by default. A county may switch it off only through its policy
data (a new policy-set version, recorded with who, when and why); while it is off, every
decision that would have been refused says so in its change record (`four_eyes_note`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.core.errors import NotAllowed, OutsideArea
from fupin.core.scope import user_covers

# Levels of the division tree, as in fupin.geo.models.Level (0: the whole country).
COUNTRY, PROVINCE, PREFECTURE, COUNTY_LEVEL, TOWNSHIP_LEVEL, VILLAGE_LEVEL = 0, 1, 2, 3, 4, 5
ABOVE_COUNTY = frozenset({COUNTRY, PROVINCE, PREFECTURE})

VILLAGE, TOWNSHIP, COUNTY = Role.VILLAGE_STAFF, Role.TOWNSHIP_STATION, Role.COUNTY_OFFICE
INSPECTOR, DEPARTMENT, CADRE = Role.INSPECTOR, Role.DEPARTMENT, Role.CADRE


class FourEyes(NotAllowed):
    code = "four_eyes"


@dataclass(frozen=True)
class Grant:
    """One role, optionally only at some levels (the level of the user's area)."""

    role: str
    levels: frozenset[int] | None = None

    def label(self) -> str:
        name = str(Role(self.role).label)
        if self.levels is None:
            return name
        return gettext("%(role)s above the county") % {"role": name}


@dataclass(frozen=True)
class Rule:
    code: str
    label: Promise
    grants: tuple[Grant, ...]
    # What the author did, when the four-eyes rule applies: "you proposed this project".
    four_eyes: Promise | None = None
    # A further condition the service checks (shown on the authority page).
    condition: Promise | None = None
    roles: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(g.role for g in self.grants))

    def who(self) -> str:
        return " / ".join(g.label() for g in self.grants)


def _g(*roles: str, levels: frozenset[int] | None = None) -> tuple[Grant, ...]:
    return tuple(Grant(r, levels) for r in roles)


OFFICE = (TOWNSHIP, COUNTY)
STAFF = (VILLAGE, TOWNSHIP, COUNTY)

RULES: tuple[Rule, ...] = (
    # ---- cases (the steps themselves: fupin.cases.procedures)
    Rule(
        "case.withdraw",
        _("Withdraw a case"),
        _g(*STAFF),
        condition=_(
            "Village staff only a case they opened that no one above has acted on; a "
            "township only a case the county has not acted on."
        ),
    ),
    Rule(
        "objection.resolve",
        _("Resolve an objection to a public notice"),
        _g(*OFFICE),
        condition=_(
            "The objector's name and phone are shown only to the township or county users "
            "who may resolve the objection (once resolved: to the user who resolved it)."
        ),
    ),
    # ---- tips and complaints (举报): routed to the level above their subject (a tip
    # about a village or its cadres to the township or county), never to the accused
    Rule("tip.record", _("Record a tip or complaint"), _g(*STAFF)),
    Rule(
        "tip.read",
        _("Read the tips routed to the area"),
        _g(TOWNSHIP, COUNTY, INSPECTOR),
        condition=_(
            "A tip is routed to the level above its subject: a tip about a village goes to "
            "its township, a tip about a township to its county."
        ),
    ),
    Rule("tip.assign", _("Assign a verifier to a tip"), _g(*OFFICE)),
    Rule(
        "tip.verify",
        _("Verify a tip and record the outcome"),
        _g(*OFFICE),
        condition=_("Only the assigned verifier, who alone sees the reporter's name and phone."),
    ),
    Rule("tip.reply", _("Reply to the reporter of a tip"), _g(*OFFICE)),
    # ---- department data (数据比对)
    Rule("finding.confirm", _("Confirm a department-data finding"), _g(*STAFF)),
    Rule("finding.dismiss", _("Dismiss a department-data finding"), _g(*OFFICE)),
    Rule("finding.reopen", _("Reopen a department-data finding"), _g(*OFFICE)),
    # ---- monitoring (防返贫)
    Rule("risk.raise", _("Raise a monitoring object's risk level"), _g(*STAFF)),
    Rule("risk.lower", _("Lower a monitoring object's risk level"), _g(*OFFICE)),
    Rule("warning.escalate", _("Escalate a warning"), _g(*OFFICE)),
    Rule("warning.eliminate", _("Declare a warning's risk eliminated (风险消除)"), _g(*OFFICE)),
    Rule("monitoring.end", _("End the monitoring of a household"), _g(*OFFICE)),
    # A grading round's colours (分级分类) are computed from rules nobody in the area
    # wrote, so there is no proposer to keep from reviewing: no four-eyes rule.
    Rule(
        "grade.adjust",
        _("Adjust a household's colour in a grading round"),
        _g(*OFFICE),
        condition=_("Only while the round is open: a later round of the area closes it."),
    ),
    # ---- projects (项目库)
    Rule("project.propose", _("Propose a project"), _g(*STAFF)),
    Rule(
        "project.review",
        _("Review a project (township)"),
        _g(*OFFICE),
        four_eyes=_("You proposed this project"),
    ),
    Rule(
        "project.approve",
        _("Approve a project (county)"),
        _g(COUNTY),
        four_eyes=_("You proposed or reviewed this project"),
    ),
    Rule("project.return", _("Return a project for revision"), _g(COUNTY)),
    Rule("project.start", _("Start work on a project"), _g(*STAFF)),
    Rule(
        "project.accept",
        _("Accept a project (验收)"),
        _g(COUNTY),
        four_eyes=_("You proposed or started this project"),
    ),
    Rule("project.disclose", _("Disclose a project to the public"), _g(COUNTY)),
    Rule("project.reject", _("Reject a proposed project"), _g(*OFFICE)),
    # Once the township has reviewed it, only the county may turn it down.
    Rule("project.reject_reviewed", _("Reject a reviewed project"), _g(COUNTY)),
    # ---- funds
    Rule("payment.record", _("Record a payment"), _g(COUNTY)),
    Rule(
        "payment.countersign",
        _("Countersign a payment over the threshold"),
        _g(COUNTY),
        four_eyes=_("You recorded this payment"),
    ),
    # ---- supervision (督查)
    Rule("rectification.submit", _("Submit a rectification report"), _g(*STAFF)),
    Rule(
        "rectification.verify",
        _("Verify a rectification report"),
        _g(INSPECTOR, COUNTY),
        four_eyes=_("You submitted this rectification report"),
    ),
    # ---- exit criteria (退出标准)
    Rule("exit_criteria.propose", _("Propose a change of the exit criteria"), _g(COUNTY)),
    Rule(
        "exit_criteria.approve",
        _("Approve a change of the exit criteria"),
        _g(COUNTY),
        four_eyes=_("You proposed this change"),
    ),
    # ---- area exits (贫困村/贫困县退出): the steps are in fupin.cases.procedures
    Rule(
        "area_case.withdraw",
        _("Withdraw a village or county exit case"),
        _g(COUNTY),
        condition=_("Only while the case is open, with the reason."),
    ),
    Rule(
        "poor_county.designate",
        _("Designate a poor county (重点县 / 片区县) from the national lists"),
        (Grant(Role.SYSADMIN), Grant(COUNTY, frozenset({COUNTRY, PROVINCE}))),
        condition=_("Not once the county has an exit case: the procedure keeps its status."),
    ),
    # ---- registry: the first load of a registry kept elsewhere keeps its statuses
    Rule(
        "registry.initial_load",
        _("Load a registry kept elsewhere with its statuses (initial load)"),
        _g(Role.SYSADMIN),
        condition=_("Only into counties that have no households yet."),
    ),
    # ---- microcredit (扶贫小额信贷): an extension is proposed by staff and decided above
    Rule(
        "loan.extend",
        _("Approve or refuse a loan extension"),
        _g(*OFFICE),
        four_eyes=_("You proposed this extension"),
    ),
    Rule("loan.write_off", _("Write off a loan"), _g(COUNTY)),
    # ---- public-welfare posts (公益性岗位): a holder is proposed by staff, appointed above
    Rule(
        "post.appoint",
        _("Appoint or refuse a proposed public-welfare post holder"),
        _g(*OFFICE),
        four_eyes=_("You proposed this holder"),
    ),
    # ---- relocation (易地扶贫搬迁): an old house's demolition, recorded by staff, verified
    Rule(
        "relocation.verify_demolition",
        _("Verify the demolition of a relocated household's old house"),
        _g(*OFFICE),
        four_eyes=_("You recorded this demolition"),
    ),
    # ---- benefit-linking (利益联结): a household's link to an enterprise is proposed by
    # staff and confirmed above, by someone else
    Rule(
        "benefit_link.confirm",
        _("Confirm or refuse a household's benefit link to an enterprise"),
        _g(*OFFICE),
        four_eyes=_("You proposed this link"),
    ),
    # ---- education aid (控辍保学): a dropout case is opened by staff and closed above
    Rule(
        "dropout.close",
        _("Close a dropout case (back in school, taught at home, or otherwise)"),
        _g(*OFFICE),
        four_eyes=_("You opened this dropout case"),
    ),
    # ---- resident work teams (驻村工作队): a member checks in and asks for leave, and the
    # first secretary writes their records, themself; the township (or county) may do it
    # for them; leave is decided and reports received above, never by who asked or sent
    Rule(
        "team.record_for",
        _("Record a work team member's check-in or leave request for them"),
        _g(*OFFICE),
        condition=_("A member records their own check-in and asks for their own leave."),
    ),
    Rule(
        "team.leave_decide",
        _("Approve or refuse a work team member's leave"),
        _g(*OFFICE),
        four_eyes=_("You asked for this leave"),
    ),
    Rule(
        "team.write_for_secretary",
        _("Write a first secretary's diary, ledger or quarterly report for them"),
        _g(*OFFICE),
        condition=_("The team's first secretary writes their own."),
    ),
    Rule(
        "team.report_receive",
        _("Receive a first secretary's quarterly report"),
        _g(*OFFICE),
        four_eyes=_("You submitted this report"),
    ),
    # ---- third-party-style assessment (第三方评估): never the county that is assessed
    Rule(
        "assessment.run",
        _("Run a third-party-style assessment"),
        (Grant(INSPECTOR), Grant(COUNTY, ABOVE_COUNTY)),
    ),
)

AUTHORITY: dict[str, Rule] = {r.code: r for r in RULES}


# ---------------------------------------------------------------- the four-eyes setting


@dataclass(frozen=True)
class FourEyesSetting:
    on: bool = True
    # Payments above this amount (yuan) need a second signature (countersign).
    countersign_above: Decimal = Decimal("50000")
    source: str = ""  # the policy set that decided it, for the change record


_setting_source: Callable[[str], FourEyesSetting] | None = None


def register_setting_source(fn: Callable[[str], FourEyesSetting]) -> None:
    """The policy app registers where a county's setting is read (at start-up)."""
    global _setting_source
    _setting_source = fn


def setting_for(area_code: str) -> FourEyesSetting:
    if _setting_source is None:
        return FourEyesSetting()
    return _setting_source(area_code)


# ---------------------------------------------------------------- the checks


def user_level(user: User) -> int:
    area = getattr(user, "area", None)
    return int(area.level) if area is not None else COUNTRY


def _granted(user: User, rule: Rule) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    level = user_level(user)
    return any(g.role == user.role and (g.levels is None or level in g.levels) for g in rule.grants)


def _author(user: User, authors: Iterable[object]) -> bool:
    pk = getattr(user, "pk", None)
    ids = {getattr(a, "pk", a) for a in authors}
    return pk is not None and pk in ids


def refusal(
    user: User, code: str, area_code: str, *, authors: Iterable[object] = ()
) -> Exception | None:
    """Why the user may not take this decision on something in `area_code` (None: may)."""
    rule = AUTHORITY[code]
    if not user_covers(user, area_code):
        return OutsideArea()
    if not _granted(user, rule):
        return NotAllowed(
            gettext("Only %(who)s may do this: %(action)s.")
            % {"who": rule.who(), "action": rule.label}
        )
    if rule.four_eyes is not None:
        return four_eyes_refusal(
            user, area_code, authors, what=rule.four_eyes, who=rule.who(), action=rule.label
        )
    return None


def four_eyes_refusal(
    user: User,
    area_code: str,
    authors: Iterable[object],
    *,
    what: str | Promise,
    who: str | Promise,
    action: str | Promise,
) -> FourEyes | None:
    """The four-eyes refusal, or None: `what` says what the user did ("You proposed this
    project"), `who` who else may act, `action` what is refused. Case steps marked
    `four_eyes` in fupin.cases.procedures use this directly."""
    if not (_author(user, authors) and setting_for(area_code).on):
        return None
    return FourEyes(
        gettext("%(what)s, so another user (%(who)s) must do this: %(action)s.")
        % {"what": what, "who": who, "action": action}
    )


def may(user: User, code: str, area_code: str, *, authors: Iterable[object] = ()) -> bool:
    return refusal(user, code, area_code, authors=authors) is None


def require(actor: User, code: str, area_code: str, *, authors: Iterable[object] = ()) -> str:
    """Refuse (404 outside the area, 403 with the reason otherwise), or return a note for
    the change record: empty, or the words saying the four-eyes rule was off here."""
    authors = list(authors)
    error = refusal(actor, code, area_code, authors=authors)
    if error is not None:
        raise error
    return four_eyes_note(actor, code, area_code, authors=authors)


def four_eyes_note(
    actor: User, code: str | None, area_code: str, *, authors: Iterable[object] = ()
) -> str:
    """Empty, or the words for the change record when the four-eyes rule was off for this
    area and the author decided alone (`code` None: a case step marked four_eyes)."""
    if code is not None and AUTHORITY[code].four_eyes is None:
        return ""
    if not _author(actor, authors):
        return ""
    setting = setting_for(area_code)
    if setting.on:
        return ""
    return gettext("Four-eyes rule off by policy %(source)s: the author decided alone.") % {
        "source": setting.source or "?"
    }


def with_note(reason: str, note: str) -> str:
    """A change record's reason with the four-eyes note appended, if any."""
    return f"{reason} ({note})" if note and reason else (note or reason)
