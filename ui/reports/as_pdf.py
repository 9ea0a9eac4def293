"""The report as PDF (reportlab platypus): summary page first, then pictures, tables, method.

Fonts: the text font is DejaVu Sans, taken from matplotlib's own data folder (a dependency,
so it is there after a plain ``pip install``; no system fonts are needed) and embedded, so
"–", "→", Greek or Cyrillic names print correctly.  Characters DejaVu lacks fall back to
reportlab's built-in Asian CID fonts (Chinese/Japanese: STSong-Light, Korean:
HYSMyeongJo-Medium; viewers supply the glyphs), and anything else becomes "?".  Should
DejaVu be missing, Helvetica with its Latin-1 range is used the same way.

Every string from the data is XML-escaped before it reaches reportlab's paragraph markup.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from analysis.report import Report
from analysis.report import Table as ReportTable
from graph.export import atomic_write
from ui.reports.cells import display
from ui.reports.figures import chart_png, subgraph_png

__all__ = ["render_pdf", "pdf_bytes"]

MARGIN = 1.5 * cm
WIDTH = A4[0] - 2 * MARGIN
MAX_IMAGE_HEIGHT = A4[1] - 2 * MARGIN - 3 * cm
CJK_FONT = "STSong-Light"
HANGUL_FONT = "HYSMyeongJo-Medium"
NUMERIC = ("int", "percent", "number")
CELL_SIZE = 7
CELL_PADDING = 8
CELL_CHARS = 300  # a PDF table cell shows at most this much of a value
NEVER_WRAP = 2.2 * cm
"""Columns narrower than this (numbers, kinds, codes) always get their full width."""


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    covers: Callable[[str], bool]


@lru_cache(maxsize=1)
def fonts() -> Fonts:
    """DejaVu Sans from matplotlib's data if it loads, else Helvetica."""
    try:
        from matplotlib import get_data_path

        folder = Path(get_data_path()) / "fonts" / "ttf"
        regular = TTFont("ChokepointSans", str(folder / "DejaVuSans.ttf"))
        bold = TTFont("ChokepointSans-Bold", str(folder / "DejaVuSans-Bold.ttf"))
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(bold)
        glyphs = set(regular.face.charToGlyph)
        return Fonts("ChokepointSans", "ChokepointSans-Bold", lambda ch: ord(ch) in glyphs)
    except Exception:  # any failure to load a font: fall back, never fail the report
        return Fonts("Helvetica", "Helvetica-Bold", _latin1)


def _latin1(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=4)
def _cid_font(name: str) -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def _fallback_font(ch: str) -> str | None:
    kind = unicodedata.name(ch, "")
    if "HANGUL" in kind:
        return _cid_font(HANGUL_FONT)
    if any(word in kind for word in ("CJK", "HIRAGANA", "KATAKANA", "FULLWIDTH", "IDEOGRAPH")):
        return _cid_font(CJK_FONT)
    return None


def markup(text: str) -> str:
    """Paragraph markup for plain ``text``: escaped, with font switches for CJK runs."""
    covers = fonts().covers
    runs: list[tuple[str | None, str]] = []
    for ch in text:
        face = None if ch in "\n\t" or covers(ch) else _fallback_font(ch)
        if face is None and ch not in "\n\t" and not covers(ch):
            ch = "?"
        if runs and runs[-1][0] == face:
            runs[-1] = (face, runs[-1][1] + ch)
        else:
            runs.append((face, ch))
    return "".join(escape(part) if face is None else f'<font face="{face}">{escape(part)}'
                   "</font>" for face, part in runs).replace("\n", "<br/>")


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    f = fonts()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=f.bold, fontSize=22,
                                leading=27, alignment=0, spaceAfter=6),
        "meta": ParagraphStyle("meta", parent=base["Normal"], fontName=f.regular, fontSize=9,
                               textColor=colors.HexColor("#666666"), spaceAfter=14),
        "h1": ParagraphStyle("h1", parent=base["Heading1"], fontName=f.bold, fontSize=15,
                             leading=19, spaceBefore=6, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=f.bold, fontSize=12,
                             leading=15, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", parent=base["Normal"], fontName=f.regular, fontSize=10,
                               leading=14, spaceAfter=6),
        "bullet": ParagraphStyle("bullet", parent=base["Normal"], fontName=f.regular,
                                 fontSize=10.5, leading=15, spaceAfter=7, leftIndent=12,
                                 bulletIndent=0),
        "note": ParagraphStyle("note", parent=base["Normal"], fontName=f.regular, fontSize=8,
                               leading=10, textColor=colors.HexColor("#555555"),
                               spaceBefore=3, spaceAfter=8),
        "cell": ParagraphStyle("cell", parent=base["Normal"], fontName=f.regular,
                               fontSize=CELL_SIZE, leading=8.6),
        "num": ParagraphStyle("num", parent=base["Normal"], fontName=f.regular,
                              fontSize=CELL_SIZE, leading=8.6, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base["Normal"], fontName=f.bold,
                               fontSize=CELL_SIZE, leading=8.6),
    }


def _para(text: str, style: str) -> Paragraph:
    return Paragraph(markup(text), _styles()[style])


def _image(png: bytes, max_height: float = MAX_IMAGE_HEIGHT) -> Image:
    width, height = ImageReader(io.BytesIO(png)).getSize()
    scale = min(WIDTH / width, max_height / height)
    return Image(io.BytesIO(png), width * scale, height * scale)


def _text_width(text: str, font: str) -> float:
    return pdfmetrics.stringWidth(markup_free(text), font, CELL_SIZE) + CELL_PADDING


def markup_free(text: str) -> str:
    """``text`` with characters the font lacks counted as a wide CJK glyph ("W")."""
    covers = fonts().covers
    return "".join(ch if covers(ch) else "W" for ch in text)


def _column_widths(table: ReportTable) -> list[float]:
    """Each column wants its widest text; the page is shared out like water: columns that
    want less than their share get what they want (numbers never wrap), and the long text
    columns split the rest by the square root of their length."""
    f = fonts()
    wants: list[float] = []
    for i, title in enumerate(table.columns):
        texts = [clipped(display(row[i], table.format_of(i))) for row in table.rows[:300]]
        header = max(_text_width(w, f.bold) for w in title.split() or [""])
        wants.append(max([_text_width(t, f.regular) for t in texts] + [header]))
    if sum(wants) <= WIDTH:
        return [w * WIDTH / sum(wants) for w in wants]
    widths = [0.0] * len(wants)
    open_columns, room = set(range(len(wants))), WIDTH
    while open_columns:
        weight = sum(math.sqrt(wants[i]) for i in open_columns)
        share = {i: room * math.sqrt(wants[i]) / weight for i in open_columns}
        modest = [i for i in open_columns if wants[i] <= max(share[i], NEVER_WRAP)]
        if not modest:
            for i in open_columns:
                widths[i] = share[i]
            break
        for i in modest:
            widths[i] = wants[i]
            room -= wants[i]
            open_columns.discard(i)
    return widths


def clipped(text: str, limit: int = CELL_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis: a table row must fit on a page
    (reportlab cannot split a row), so the PDF shows the start of a very long value; every
    data format keeps it whole."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _table(table: ReportTable) -> list[Any]:
    head = [_para(clipped(c), "head") for c in table.columns]
    rows = [[_para(clipped(display(v, table.format_of(i))),
                   "num" if table.format_of(i) in NUMERIC else "cell")
             for i, v in enumerate(row)] for row in table.rows]
    if not rows:
        rows = [[_para("(none)", "cell")] + [_para("", "cell")] * (len(head) - 1)]
    grid = Table([head, *rows], colWidths=_column_widths(table), repeatRows=1)
    grid.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf2")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f8fa")]),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8ccd2")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    story: list[Any] = [_para(table.title, "h2"), grid]
    if table.note:
        story.append(_para(table.note, "note"))
    if len(table.rows) <= SMALL_TABLE:
        return [KeepTogether(story)]  # a short table is not split from its title or note
    return story


SMALL_TABLE = 12
"""Tables of at most this many rows stay on one page with their title and note."""


def _summary_page(report: Report) -> list[Any]:
    story: list[Any] = [_para(report.title, "title"),
                        _para(f"Generated {report.generated}"
                              + (f" from {report.store}" if report.store else ""), "meta"),
                        _para("Executive summary", "h1")]
    story += [Paragraph(markup(s), _styles()["bullet"], bulletText="•")
              for s in report.summary]
    if report.charts:
        story += [Spacer(1, 6), _image(chart_png(report.charts[0]), 7 * cm)]
    return [*story, PageBreak()]


def _story(report: Report) -> list[Any]:
    story = _summary_page(report)
    if report.subgraph.nodes:
        story += [_para("Critical subgraph", "h1"),
                  _para("In supply-chain tiers: industries at the top, countries at the bottom; "
                        "targets are squares; arrows point from a dependent to what it depends "
                        "on; top chokepoints have a red ring.", "note"),
                  _image(subgraph_png(report.subgraph), 15 * cm)]
    for chart in report.charts[1:]:
        story.append(KeepTogether([Spacer(1, 6), _image(chart_png(chart), 9 * cm)]))
    story.append(PageBreak())
    for table in report.tables:
        story += _table(table)
    story += [PageBreak(), _para("Methodology", "h1")]
    for section in report.methodology:
        story.append(_para(section.heading, "h2"))
        story += [_para(p, "body") for p in section.paragraphs]
    return story


def _footer(title: str) -> Callable[[Any, Any], None]:
    text = "".join(ch if fonts().covers(ch) else "?" for ch in title)

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts().regular, 7)
        canvas.setFillColor(colors.HexColor("#888888"))
        canvas.drawString(MARGIN, MARGIN / 2, text[:120])
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2, f"page {doc.page}")
        canvas.restoreState()

    return draw


def pdf_bytes(report: Report) -> bytes:
    """The PDF document as bytes."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                                 topMargin=MARGIN, bottomMargin=MARGIN, title=report.title,
                                 author="chokepoint", subject="AI supply-chain chokepoints")
    footer = _footer(report.title)
    document.build(_story(report), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def render_pdf(report: Report, out: Path) -> None:
    data = pdf_bytes(report)
    with atomic_write(out, "wb") as handle:
        handle.write(data)
