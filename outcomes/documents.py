"""The monthly outcome report as an A4 PDF (reportlab, as the receipts and certificates are
made), written from the same text as the printable page (``outcomes.reports``).

The text is DejaVu Sans, shipped in ``static/fonts/`` and embedded: reportlab's built-in
Helvetica knows only one Western code page, while the report's words (Indonesian and English,
kecamatan names, the en dash and no-break space of its numbers) must render whatever they hold.
Tables that run past a page repeat their header row.
"""

from __future__ import annotations

import functools
import io
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable
from reportlab.platypus.flowables import Flowable

from .reports import Heading, Section, Table, figure_sections, heading, kecamatan_tables
from .reports import target_table as make_target_table
from .selectors.report import MonthlyReport

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
INK = colors.HexColor("#1f1a17")
MUTED = colors.HexColor("#5b524c")
LINE = colors.HexColor("#d9d0c7")
HEAD = colors.HexColor("#f6f1ea")
BRAND = colors.HexColor("#8a3b12")
MARGIN = 15 * mm


@functools.cache
def _fonts() -> None:
    folder = settings.BASE_DIR / "static" / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK)
    return {
        "body": base,
        "muted": ParagraphStyle("muted", parent=base, fontSize=8.5, leading=11, textColor=MUTED),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=17, leading=21),
        "area": ParagraphStyle("area", parent=base, fontName=BOLD, fontSize=13, leading=17),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=7.5, leading=9.5),
        "number": ParagraphStyle("number", parent=base, fontSize=8, leading=10, alignment=TA_RIGHT),
        "total": ParagraphStyle(
            "total", parent=base, fontName=BOLD, fontSize=8, leading=10, alignment=TA_RIGHT
        ),
    }


def _text(value: str) -> str:
    # Paragraph reads a small markup: what the report says is text, never markup.
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(value: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_text(value), style)


def _grid(rows: list[list[Flowable | str]], widths: list[float], *, header: bool) -> PdfTable:
    table = PdfTable(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD))
    table.setStyle(TableStyle(style))
    return table


def _section(section: Section, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    rows: list[list[Flowable | str]] = [
        [_cell(line.label, styles["cell"]), _cell(line.value, styles["number"])]
        for line in section.lines
    ]
    return [
        Paragraph(_text(section.title), styles["h2"]),
        _grid(rows, [width * 0.72, width * 0.28], header=False),
    ]


def _widths(
    table: Table, styles: dict[str, ParagraphStyle], total: float, *, grow_first: bool
) -> list[float]:
    """Columns as wide as their longest word (a header is never cut inside a word), the room
    left shared out evenly, or given to the first column (``grow_first``: long labels)."""
    head, body = styles["head"], styles["cell"]
    padding = 2 * 3 + 1

    def longest(text: str, style: ParagraphStyle) -> float:
        return max(
            (pdfmetrics.stringWidth(word, style.fontName, style.fontSize) for word in text.split()),
            default=0,
        )

    def whole(text: str, style: ParagraphStyle) -> float:
        return pdfmetrics.stringWidth(text, style.fontName, style.fontSize)

    rows = [*table.rows, *([table.total] if table.total else [])]
    # Names may wrap between words; numbers and the short words beside them never do.
    needed = [
        max(
            [
                longest(table.header[i], head),
                *((longest if i == 0 else whole)(row[i], body) for row in rows),
            ]
        )
        + padding
        for i in range(len(table.header))
    ]
    spare = total - sum(needed)
    if spare < 0:
        return [width * total / sum(needed) for width in needed]
    if grow_first:
        return [needed[0] + spare, *needed[1:]]
    return [width + spare / len(needed) for width in needed]


def _table(
    table: Table, styles: dict[str, ParagraphStyle], width: float, *, text_columns: int = 1
) -> list[Flowable]:
    """``text_columns``: how many columns from the left are words (left-aligned); the others
    are numbers, aligned right, and the last one too when it is words (``text_columns`` -1)."""

    def style(i: int, total: bool = False) -> ParagraphStyle:
        words = i < text_columns or (text_columns < 0 and i == len(table.header) - 1) or i == 0
        if words:
            return styles["head"] if total else styles["cell"]
        return styles["total"] if total else styles["number"]

    rows: list[list[Flowable | str]] = [[_cell(cell, styles["head"]) for cell in table.header]]
    if table.total:
        rows.append([_cell(v, style(i, total=True)) for i, v in enumerate(table.total)])
    for row in table.rows:
        rows.append([_cell(v, style(i)) for i, v in enumerate(row)])
    widths = _widths(table, styles, width, grow_first=text_columns < 0)
    grid = _grid(rows, widths, header=True)
    return [Paragraph(_text(table.title), styles["h2"]), grid]


def _page(head: Heading):
    def draw(pdf: Canvas, document: SimpleDocTemplate) -> None:
        width, height = A4
        pdf.saveState()
        pdf.setStrokeColor(BRAND)
        pdf.setLineWidth(1.2)
        pdf.line(MARGIN, height - 12 * mm, width - MARGIN, height - 12 * mm)
        pdf.setFillColor(MUTED)
        pdf.setFont(FONT, 7.5)
        pdf.drawString(MARGIN, height - 10 * mm, f"{head.programme} · {head.title}")
        pdf.drawRightString(width - MARGIN, height - 10 * mm, f"{head.area} · {head.month}")
        pdf.drawString(MARGIN, 9 * mm, head.generated)
        pdf.drawRightString(width - MARGIN, 9 * mm, str(document.page))
        pdf.restoreState()

    return draw


def monthly_report_pdf(report: MonthlyReport) -> bytes:
    """The report as A4 pages, in the active language: header (programme, area, month,
    period, when generated, in WIB), every figure, the targets, and for the regency each
    kecamatan's figures."""
    _fonts()
    styles = _styles()
    head = heading(report)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=18 * mm,
        bottomMargin=16 * mm,
        title=f"{head.title}: {head.area}, {head.month}",
        author=head.programme,
        creator=head.programme,
        invariant=1,
        # Otherwise each page starts in Helvetica, which the report never uses.
        initialFontName=FONT,
        lang=get_language(),
    )
    width = A4[0] - 2 * MARGIN
    story: list[Flowable] = [
        Paragraph(_text(head.programme), styles["muted"]),
        Paragraph(_text(f"{head.title} · {head.month}"), styles["title"]),
        Paragraph(_text(head.area), styles["area"]),
        Paragraph(_text(head.period), styles["body"]),
        Paragraph(_text(head.generated), styles["muted"]),
        Spacer(1, 3 * mm),
        Paragraph(_text(head.note), styles["muted"]),
        Spacer(1, 2 * mm),
    ]
    half = (width - 8 * mm) / 2
    sections = [_section(section, styles, half) for section in figure_sections(report.figures)]
    # Two columns of sections: people and warung on the left, meals and visits on the right.
    story.append(
        PdfTable(
            [[[*sections[0], *sections[2]], [*sections[1], *sections[3]]]],
            colWidths=[half + 4 * mm, half + 4 * mm],
            style=TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ]
            ),
            hAlign="LEFT",
        )
    )
    targets = make_target_table(report.comparisons)
    story.append(KeepTogether(_table(targets, styles, width, text_columns=-1)))
    # Each kecamatan table on a page of its own, as the printed page does (portal.css): 25
    # rows and the total fit one A4 page, and no table starts at the foot of another.
    for table in kecamatan_tables(report):
        story += [PageBreak(), *_table(table, styles, width)]
    draw = _page(head)
    document.build(story, onFirstPage=draw, onLaterPages=draw)
    return buffer.getvalue()
