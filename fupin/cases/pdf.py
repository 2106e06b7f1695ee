"""Printable documents: the public notice poster (公示, A4 or A3) and the written notice
to a household (告知书). Both are official Chinese documents: they are rendered in
Chinese whatever the reader's interface language.

Font: WenQuanYi Micro Hei from the system when present (embedded, text extractable),
else reportlab's built-in CID font STSong-Light (no font file needed).
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fupin.cases.models import Case, Notice
from fupin.cases.selectors import head_name

FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)
DOCUMENT_LANGUAGE = "zh-hans"
SIZES = {"A4": A4, "A3": A3}
_font_name: str | None = None


def font_name() -> str:
    global _font_name
    if _font_name is None:
        for path in FONT_FILES:
            if path.exists():
                try:
                    pdfmetrics.registerFont(TTFont("FupinCJK", str(path), subfontIndex=0))
                    _font_name = "FupinCJK"
                    break
                except Exception:  # noqa: S112 - a broken font file: try the next
                    continue
        if _font_name is None:
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
            _font_name = "STSong-Light"
    return _font_name


def _styles(scale: float = 1.0) -> dict[str, ParagraphStyle]:
    f = font_name()
    return {
        "title": ParagraphStyle(
            "title", fontName=f, fontSize=22 * scale, leading=30 * scale, alignment=1
        ),
        "body": ParagraphStyle(
            "body", fontName=f, fontSize=12 * scale, leading=18 * scale, wordWrap="CJK"
        ),
        "cell": ParagraphStyle(
            "cell", fontName=f, fontSize=11 * scale, leading=15 * scale, wordWrap="CJK"
        ),
        "right": ParagraphStyle(
            "right", fontName=f, fontSize=12 * scale, leading=18 * scale, alignment=2
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _table(rows: list[list], widths: list[float], style: ParagraphStyle) -> Table:
    table = Table([[_p(c, style) for c in row] for row in rows], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _build(story: list, pagesize, title: str) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=pagesize,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
    )
    doc.build(story)
    return buf.getvalue()


def _qr(text: str, side: float) -> Drawing:
    widget = QrCodeWidget(text)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def notice_poster(
    notice: Notice, cases: list[Case], size: str = "A4", public_url: str = ""
) -> bytes:
    """The public notice poster: names, reason category, the period, the phone, and the
    address of the notice's public page (its unguessable slug, never its id) as text and
    as a QR code, when `public_url` is given."""
    pagesize = SIZES.get(size, A4)
    scale = 1.4 if pagesize == A3 else 1.0
    with translation.override(DOCUMENT_LANGUAGE):
        st = _styles(scale)
        village = notice.village
        township = village.parent.name if village.parent else ""
        title = _("Public notice of %(village)s") % {"village": f"{township}{village.name}"}
        rows = [[_("No."), _("Head of household"), _("Group"), _("Household size"), _("Kind")]]
        for i, c in enumerate(cases, 1):
            h = c.household
            size_ = sum(1 for m in h.members.all() if m.is_active)
            rows.append([str(i), head_name(h), h.group_name, str(size_), c.get_kind_display()])
        width = pagesize[0] - 36 * mm
        story = [
            _p(title, st["title"]),
            Spacer(1, 8 * mm),
            _p(
                _(
                    "After democratic appraisal, the following households are proposed. "
                    "The notice runs for %(days)s days, from %(start)s to %(end)s."
                )
                % {"days": notice.days, "start": notice.posted_on, "end": notice.ends_on},
                st["body"],
            ),
            Spacer(1, 5 * mm),
            _table(rows, [w * width for w in (0.08, 0.3, 0.2, 0.14, 0.28)], st["cell"]),
            Spacer(1, 6 * mm),
            _p(
                _(
                    "Anyone who objects may report it during the notice period, until "
                    "%(end)s, to the village committee or the township, by phone: %(phone)s."
                )
                % {"end": notice.ends_on, "phone": notice.phone},
                st["body"],
            ),
        ]
        if public_url:
            story += [
                Spacer(1, 5 * mm),
                _p(
                    _("The notice and an objection form are also online: %(url)s")
                    % {"url": public_url},
                    st["body"],
                ),
                Spacer(1, 2 * mm),
                _qr(public_url, 30 * mm * scale),
            ]
        story += [
            Spacer(1, 10 * mm),
            _p(f"{village.name} {notice.posted_on}", st["right"]),
        ]
        return _build(story, pagesize, title)


def _values(values: dict) -> str:
    return "; ".join(f"{k} = {v}" for k, v in (values or {}).items())


def written_notice(case: Case) -> bytes:
    """The written notice (告知书) of a removal or refused inclusion: the clauses failed
    with the values used (from the decision snapshot taken at opening), the date, and how
    and by when to appeal."""
    with translation.override(DOCUMENT_LANGUAGE):
        st = _styles()
        h = case.household
        village = h.village
        township = village.parent.name if village.parent else _("the township")
        title = _("Written notice")
        if case.kind == "removal":
            what = _(
                "After household verification, democratic appraisal, public notice and "
                "review, your household is found not to meet the identification standard "
                "and is removed from the registry of poor households."
            )
        else:
            what = _(
                "After household verification, democratic appraisal and review, your "
                "household's application to be included in the registry of poor households "
                "is not approved."
            )
        decision = case.decision or {}
        rows = [[_("Clause"), _("Values used"), _("Source")]]
        for c in case.failed_clauses:
            rows.append([c["text"], _values(c.get("values", {})), c.get("source", "")])
        if len(rows) == 1:
            rows.append([_("Not approved at review"), "", ""])
        width = A4[0] - 36 * mm
        reasons = [r.reason for r in case.records.order_by("done_at", "id") if r.reason]
        story = [
            _p(title, st["title"]),
            Spacer(1, 8 * mm),
            _p(
                _("To the household of %(name)s (household number %(number)s):")
                % {"name": head_name(h), "number": h.number},
                st["body"],
            ),
            Spacer(1, 3 * mm),
            _p(what, st["body"]),
            Spacer(1, 3 * mm),
            _p(
                _("Policy applied: %(policy)s. The clauses not met:")
                % {"policy": decision.get("policy_label", "—")},
                st["body"],
            ),
            Spacer(1, 3 * mm),
            _table(rows, [w * width for w in (0.45, 0.35, 0.2)], st["cell"]),
            Spacer(1, 4 * mm),
        ]
        if reasons:
            story += [
                _p(_("Reason given at review: %(reason)s") % {"reason": reasons[-1]}, st["body"]),
                Spacer(1, 4 * mm),
            ]
        story += [
            _p(
                _(
                    "If you disagree, you may appeal in writing or in person to %(township)s "
                    "by %(date)s (within %(days)s days of this notice). The appeal is reviewed "
                    "by the next level up, which answers within 15 days."
                )
                % {
                    "township": township,
                    "date": case.appeal_until,
                    "days": (case.appeal_until - case.written_notice_on).days
                    if case.appeal_until and case.written_notice_on
                    else 15,
                },
                st["body"],
            ),
            Spacer(1, 10 * mm),
            _p(f"{township}{village.name} {case.written_notice_on}", st["right"]),
        ]
        return _build(story, A4, title)
