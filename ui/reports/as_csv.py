"""The report's tables as CSV: one file with the tables stacked, or a zip of one CSV each.

Stacked (``--out report.csv``): each table is a block — a line ``table,<name>,<title>``, the
column header, the rows — and blocks are separated by one empty line.  The first block,
``summary``, holds the title, date, store and summary sentences.  With ``--out report.zip``
the archive holds ``summary.csv`` and ``<table name>.csv`` per table, each a plain CSV with
one header row, which suits tools that read one table per file.

Text cells that a spreadsheet could run as a formula (starting with ``= + - @``, tab or
carriage return) get a leading single quote; numbers are written as numbers.  Files are UTF-8
with a byte-order mark, so Excel shows names such as "台积电" correctly.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from analysis.report import Cell, Report, Table
from graph.export import atomic_write
from ui.reports.cells import neutralise

__all__ = ["render_csv", "summary_table"]


def summary_table(report: Report) -> Table:
    """Title, date, store and summary sentences as a two-column table."""
    rows = [("title", report.title), ("generated", report.generated), ("store", report.store)]
    rows += [("summary", sentence) for sentence in report.summary]
    return Table("summary", "Summary", ("field", "value"), tuple(rows))


def _write(writer: Any, rows: Iterable[Sequence[Cell]]) -> None:
    writer.writerows([neutralise(v) for v in row] for row in rows)


def _stacked(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for position, table in enumerate([summary_table(report), *report.tables]):
        if position:
            writer.writerow([])
        _write(writer, [("table", table.name, table.title), table.columns, *table.rows])
    return buffer.getvalue()


def _one(table: Table) -> bytes:
    buffer = io.StringIO()
    _write(csv.writer(buffer, lineterminator="\r\n"), [table.columns, *table.rows])
    return buffer.getvalue().encode("utf-8-sig")


def render_csv(report: Report, out: Path) -> None:
    if out.suffix.lower() == ".zip":
        with atomic_write(out, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            for table in [summary_table(report), *report.tables]:
                archive.writestr(f"{table.name}.csv", _one(table))
        return
    with atomic_write(out, "wb") as handle:
        handle.write(_stacked(report).encode("utf-8-sig"))
