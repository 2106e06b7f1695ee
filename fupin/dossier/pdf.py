"""The printed household file (一户一档) and the household handbook / clear card
(帮扶手册, 明白卡), A4 or A5, one household or a whole village in one PDF. Official
Chinese documents, like the notices: rendered in Chinese whatever the reader's
language, with the font of fupin.cases.pdf.

Masking: the file is an office document, so ID numbers and phones are printed in full
only for a role that may reveal them (and the print is logged: `services` → PrintRecord
and core.SensitiveRead); the handbook is given to the household, so its cadres' phones
are meant to be on it, printed in full and logged the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from fupin.cases.models import Case
from fupin.cases.pdf import DOCUMENT_LANGUAGE, _build, _p, _styles, _table
from fupin.cases.selectors import head_name
from fupin.core.history import history_of
from fupin.core.masking import mask_id_number, mask_phone
from fupin.dossier.handbook import Handbook
from fupin.dossier.models import SurveyorStatement
from fupin.dossier.selectors import HouseholdFile, Surveyed
from fupin.registry.income import record_net_per_person
from fupin.registry.models import Household

SIZES = {"A4": A4, "A5": A5}
SCALES = {"A4": 1.0, "A5": 0.78}


@dataclass
class FileData:
    """Everything the printed file of one household shows (read by `services`)."""

    file: HouseholdFile
    surveyed: list[Surveyed]
    statements: list[SurveyorStatement]
    cases: list[Case]
    full_ids: bool


def _width(size: str) -> float:
    return SIZES[size][0] - 36 * mm


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value) if value.tzinfo else value.date()
    return value.isoformat()


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def _file_story(data: FileData, size: str) -> list[Flowable]:
    st = _styles(SCALES[size])
    w = _width(size)
    h: Household = data.file.household
    members = [m for m in h.members.all() if m.is_active]
    ident = (lambda v: v) if data.full_ids else mask_id_number
    story: list[Flowable] = [
        _p(_("Household file (一户一档)"), st["title"]),
        Spacer(1, 4 * mm),
    ]
    head = next((m for m in members if m.relation == "head"), members[0] if members else None)
    cover = [
        [_("Household number"), h.number, _("Village"), h.village.name],
        [
            _("Head of household"),
            head_name(h),
            _("ID number"),
            ident(head.id_number) if head else "",
        ],
        [
            _("Household size"),
            str(len(members)),
            _("Status"),
            f"{h.get_status_display()} ({h.status_year})",
        ],
        [
            _("Household category"),
            h.get_category_display(),
            _("Main poverty cause"),
            h.get_main_cause_display(),
        ],
        [_("Address"), h.address, _("Phone"), h.phone if data.full_ids else mask_phone(h.phone)],
    ]
    story += [
        _table(cover, [w * 0.18, w * 0.32, w * 0.18, w * 0.32], st["cell"]),
        Spacer(1, 4 * mm),
    ]

    story.append(_p(_("Members"), st["body"]))
    rows = [
        [
            _("Name"),
            _("Relation to head"),
            _("Sex"),
            _("Birth date"),
            _("ID number"),
            _("Health"),
            _("Labour capacity"),
        ]
    ]
    rows += [
        [
            m.name,
            m.get_relation_display(),
            m.get_sex_display(),
            _day(m.birth_date),
            ident(m.id_number),
            m.get_health_display(),
            m.get_labour_display(),
        ]
        for m in members
    ]
    story += [_table(rows, [w / 7] * 7, st["cell"]), Spacer(1, 4 * mm)]

    story.append(_p(_("Status history"), st["body"]))
    rows = [[_("Date"), _("Status"), _("By"), _("Reason")]]
    labels = dict(type(h)._meta.get_field("status").choices or [])
    for r in history_of(h).order_by("time", "id"):
        change = (r.changes or {}).get("status")
        if change:
            rows.append(
                [
                    _day(r.time),
                    f"{labels.get(change[0], change[0] or '—')} → "
                    f"{labels.get(change[1], change[1])}",
                    r.user_name,
                    r.reason,
                ]
            )
    story += [_table(rows, [w * 0.16, w * 0.34, w * 0.16, w * 0.34], st["cell"]), Spacer(1, 4 * mm)]

    story.append(_p(_("Cases and their steps (who signed)"), st["body"]))
    rows = [[_("Case"), _("Step"), _("Decision"), _("Signed by"), _("Date")]]
    for case in data.cases:
        for s in case.records.all():
            rows.append(
                [
                    f"{case.get_kind_display()} #{case.pk}",
                    str(s.label),
                    s.get_decision_display(),
                    s.actor_name,
                    _day(s.done_at),
                ]
            )
    story += [
        _table(rows, [w * 0.22, w * 0.3, w * 0.16, w * 0.16, w * 0.16], st["cell"]),
        Spacer(1, 4 * mm),
    ]

    story.append(_p(_("Income and guarantees"), st["body"]))
    rows = [
        [
            _("Year"),
            _("Net income per person (yuan)"),
            _("Two assurances, three guarantees"),
            _("Assessed by"),
        ]
    ]
    assessments = {a.year: a for a in h.assessments.all()}
    incomes = {i.year: i for i in h.incomes.all()}
    for year in sorted(set(assessments) | set(incomes), reverse=True):
        i, a = incomes.get(year), assessments.get(year)
        rows.append(
            [
                str(year),
                str(record_net_per_person(i)) if i else "—",
                (_("all met") if a.all_met else _("not all met")) if a else "—",
                a.assessor if a else "",
            ]
        )
    story += [_table(rows, [w * 0.14, w * 0.3, w * 0.3, w * 0.26], st["cell"]), Spacer(1, 4 * mm)]

    story.append(_p(_("Survey and signature (谁调查谁签字)"), st["body"]))
    rows = [[_("Surveyed by"), _("Date"), _("Record")]]
    rows += [[s.who, _day(s.when), s.what] for s in data.surveyed]
    story += [_table(rows, [w * 0.3, w * 0.2, w * 0.5], st["cell"]), Spacer(1, 2 * mm)]
    signed = _("Signed")
    for statement in data.statements:
        story.append(
            _p(
                f"{statement.statement}　{signed}: {statement.surveyor_name}　"
                f"{_day(statement.surveyed_on)}（{statement.get_kind_display()}）",
                st["cell"],
            )
        )
    if not data.statements:
        story.append(_p(_("No signed statement of the surveyor yet."), st["cell"]))
    story.append(Spacer(1, 4 * mm))

    f = data.file
    story.append(
        _p(
            _("Checklist of the file: %(present)s of %(required)s present")
            % {"present": f.present, "required": len(f.results)},
            st["body"],
        )
    )
    rows = [[_("Document"), _("Present"), _("Record"), _("By"), _("Date")]]
    for result in f.results:
        ev = result.found
        rows.append(
            [
                result.item.name,
                _("present") if ev else _("MISSING"),
                (ev.title or ev.param) if ev else "",
                ev.who if ev else "",
                _day(ev.when) if ev else "",
            ]
        )
    story.append(_table(rows, [w * 0.34, w * 0.12, w * 0.22, w * 0.16, w * 0.16], st["cell"]))
    return story


def _money(value) -> str:
    return f"{value:,.2f}" if value is not None else ""


def _handbook_story(book: Handbook, size: str, base_url: str) -> list[Flowable]:
    st = _styles(SCALES[size])
    w = _width(size)
    h = book.household
    story: list[Flowable] = [
        _p(
            _("Household handbook and clear card %(year)s (帮扶手册 · 明白卡)")
            % {"year": book.year},
            st["title"],
        ),
        Spacer(1, 3 * mm),
        _table(
            [
                [_("Head of household"), head_name(h), _("Household number"), h.number],
                [_("Village"), h.village.name, _("Status"), h.get_status_display()],
            ],
            [w * 0.2, w * 0.3, w * 0.2, w * 0.3],
            st["cell"],
        ),
        Spacer(1, 3 * mm),
        _p(_("Policies that apply this year"), st["body"]),
    ]
    story += [_p("• " + text, st["cell"]) for text in book.policies] or [_p("—", st["cell"])]
    if book.plan is not None and book.plan.planned_measures:
        story.append(
            _p(
                "• "
                + _("This household's plan (一户一法): %(plan)s")
                % {"plan": book.plan.planned_measures},
                st["cell"],
            )
        )
    story += [Spacer(1, 3 * mm), _p(_("Your paired cadre"), st["body"])]
    rows = [[_("Name"), _("Unit"), _("Post"), _("Phone")]]
    rows += [[c.name, c.unit, c.post, c.phone] for c in book.cadres]
    if len(rows) == 1:
        rows.append([_("No cadre paired yet."), "", "", ""])
    story += [_table(rows, [w * 0.2, w * 0.35, w * 0.2, w * 0.25], st["cell"]), Spacer(1, 3 * mm)]

    story.append(_p(_("Measures and benefits this year"), st["body"]))
    rows = [[_("Item"), _("Date"), _("Amount (yuan)")]]
    rows += [
        [f"{m.get_kind_display()} · {m.provider}", _day(m.date), _money(m.amount)]
        for m in book.measures
    ]
    for label, benefits in book.benefits:
        rows += [[f"{label}: {b.label}", _day(b.on), _money(b.amount)] for b in benefits]
    rows.append([_("Total"), "", _money(book.total)])
    story += [_table(rows, [w * 0.55, w * 0.2, w * 0.25], st["cell"]), Spacer(1, 3 * mm)]

    story.append(_p(_("Tip line"), st["body"]))
    story.append(
        _p(
            _(
                "If a policy does not reach you, or something is wrong, call %(phone)s or "
                "report it at %(url)s (you get a tracking code)."
            )
            % {"phone": book.tip_line.phone, "url": base_url + book.tip_line.form_path},
            st["cell"],
        )
    )
    return story


def _document(stories: Sequence[Callable[[], list[Flowable]]], size: str, title: str) -> bytes:
    with translation.override(DOCUMENT_LANGUAGE):
        story: list[Flowable] = []
        for n, make in enumerate(stories):
            if n:
                story.append(PageBreak())
            story += make()
        if not story:
            story.append(Paragraph("—", _styles()["body"]))
        return _build(story, SIZES[size], str(title))


def household_files(files: Sequence[FileData], size: str = "A4") -> bytes:
    stories: list[Callable[[], list[Flowable]]] = [
        functools.partial(_file_story, d, size) for d in files
    ]
    return _document(stories, size, "一户一档")


def handbooks(books: Sequence[Handbook], size: str = "A4", base_url: str = "") -> bytes:
    stories: list[Callable[[], list[Flowable]]] = [
        functools.partial(_handbook_story, b, size, base_url) for b in books
    ]
    return _document(stories, size, "帮扶手册")
