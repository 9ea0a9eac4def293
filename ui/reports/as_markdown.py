"""The report as Markdown: headings, the summary, pipe tables and the methodology.

Cells escape ``|`` and Markdown punctuation with a backslash and ``< > &`` as HTML entities,
so a name such as ``<script>`` shows as text in any Markdown viewer; line breaks become
spaces.  Pictures are left out (they live in the HTML and PDF reports).
"""

from __future__ import annotations

import re
from pathlib import Path

from analysis.report import Report, Table
from graph.export import atomic_write
from ui.reports.cells import display

__all__ = ["render_markdown", "markdown_document", "escape_markdown"]

_PUNCTUATION = re.compile(r"([\\`*_\[\]|#!{}])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_markdown(text: str) -> str:
    r"""Text safe inside a Markdown paragraph or table cell.

    >>> escape_markdown("a|b <i>")
    'a\\|b &lt;i&gt;'
    """
    text = "".join(_ENTITIES.get(ch, ch) for ch in text)
    return _PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def _table(table: Table) -> list[str]:
    lines = [f"## {escape_markdown(table.title)}", ""]
    lines.append("| " + " | ".join(escape_markdown(c) for c in table.columns) + " |")
    lines.append("|" + "|".join("---:" if table.format_of(i) != "text" else "---"
                                for i in range(len(table.columns))) + "|")
    for row in table.rows:
        cells = [escape_markdown(display(v, table.format_of(i))) for i, v in enumerate(row)]
        lines.append("| " + " | ".join(cells) + " |")
    if not table.rows:
        lines.append("| " + " | ".join(["(none)", *[""] * (len(table.columns) - 1)]) + " |")
    if table.note:
        lines += ["", f"*{escape_markdown(table.note)}*"]
    return [*lines, ""]


def markdown_document(report: Report) -> str:
    lines = [f"# {escape_markdown(report.title)}", "",
             f"Generated {escape_markdown(report.generated)}"
             + (f" from {escape_markdown(report.store)}" if report.store else "") + ".", "",
             "## Executive summary", ""]
    lines += [f"- {escape_markdown(s)}" for s in report.summary]
    lines.append("")
    for table in report.tables:
        lines += _table(table)
    lines += ["## Methodology", ""]
    for section in report.methodology:
        lines += [f"### {escape_markdown(section.heading)}", ""]
        lines += [line for p in section.paragraphs for line in (escape_markdown(p), "")]
    return "\n".join(lines)


def render_markdown(report: Report, out: Path) -> None:
    with atomic_write(out) as handle:
        handle.write(markdown_document(report))
