"""The report as an Excel workbook: a Summary sheet, then one sheet per table.

No cell is ever a formula.  openpyxl turns any string starting with ``=`` into a formula, so
every text cell is written with its data type forced to string; text that a spreadsheet
could read as a formula (``= + - @``, tab, carriage return) is also marked with Excel's own
quote prefix, as if a person had typed ``'=...``, so editing the cell keeps it text.
Numbers stay numbers, with a percent or thousands format where the column has one.
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analysis.report import Cell, Report, Table
from graph.export import atomic_write
from ui.reports.cells import is_formula_like

__all__ = ["render_xlsx", "sheet_name"]

NUMBER_FORMATS = {"percent": "0.0%", "number": "#,##0", "int": "0"}
MAX_WIDTH = 60
BOLD = Font(bold=True)


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base[:28]}_{n}"
    taken.add(candidate.lower())
    return candidate


def _put(sheet: Worksheet, row: int, column: int, value: Cell, fmt: str = "text") -> None:
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
        cell.number_format = NUMBER_FORMATS.get(fmt, "General")
        return
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    cell.value = text
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True


def _widths(sheet: Worksheet, table: Table) -> None:
    for column, title in enumerate(table.columns):
        longest = max([len(title), *(len(str(row[column])) for row in table.rows)])
        width = min(MAX_WIDTH, max(10, longest + 2))
        sheet.column_dimensions[get_column_letter(column + 1)].width = width


def _summary(sheet: Worksheet, report: Report) -> None:
    lines: list[tuple[str, str]] = [("Report", report.title), ("Generated", report.generated),
                                    ("Store", report.store), ("", "")]
    lines += [("Summary", s) for s in report.summary]
    lines += [("", ""), ("Sheets", ", ".join(t.title for t in report.tables)), ("", "")]
    lines += [(s.heading, p) for s in report.methodology for p in s.paragraphs]
    for row, (label, text) in enumerate(lines, start=1):
        _put(sheet, row, 1, label or None)
        _put(sheet, row, 2, text or None)
        sheet.cell(row=row, column=1).font = BOLD
        sheet.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 110


def _table(sheet: Worksheet, table: Table) -> None:
    _put(sheet, 1, 1, table.title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    for column, title in enumerate(table.columns, start=1):
        _put(sheet, 2, column, title)
        sheet.cell(row=2, column=column).font = BOLD
    for row, values in enumerate(table.rows, start=3):
        for column, value in enumerate(values, start=1):
            _put(sheet, row, column, value, table.format_of(column - 1))
    if table.note:
        _put(sheet, len(table.rows) + 4, 1, table.note)
    sheet.freeze_panes = "A3"
    _widths(sheet, table)


def render_xlsx(report: Report, out: Path) -> None:
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    taken = {"summary"}
    _summary(summary, report)
    for table in report.tables:
        _table(book.create_sheet(sheet_name(table.title, taken)), table)
    with atomic_write(out, "wb") as handle:
        book.save(handle)
