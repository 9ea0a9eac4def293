"""Report renderers: one module per format, all fed the same :class:`analysis.report.Report`.

``RENDERERS`` maps a format name to the ``module:function`` of its
``render(report, out_path)``, imported on first use (matplotlib, reportlab and openpyxl take
a second to load, which a command that writes no report should not pay); every renderer writes
atomically (a temporary file renamed into place).  ``render_bytes`` gives the file's bytes
for the app's download buttons.  Adding a format is one module and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analysis.report import Report

__all__ = ["RENDERERS", "SUFFIXES", "MEDIA_TYPES", "render", "render_bytes", "format_for"]

Renderer = Callable[["Report", Path], None]

RENDERERS: dict[str, str] = {
    "html": "ui.reports.as_html:render_html",
    "pdf": "ui.reports.as_pdf:render_pdf",
    "xlsx": "ui.reports.as_xlsx:render_xlsx",
    "csv": "ui.reports.as_csv:render_csv",
    "json": "ui.reports.as_json:render_json",
    "md": "ui.reports.as_markdown:render_markdown",
}

SUFFIXES: dict[str, str] = {
    ".html": "html", ".htm": "html", ".pdf": "pdf", ".xlsx": "xlsx", ".csv": "csv",
    ".zip": "csv", ".json": "json", ".md": "md", ".markdown": "md",
}
"""Output suffix → format, for inferring the format from ``--out`` (``.zip``: CSV per table)."""

MEDIA_TYPES: dict[str, str] = {
    "html": "text/html", "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv", "json": "application/json", "md": "text/markdown",
}


def format_for(out: Path) -> str | None:
    """The format a file name implies (``None`` when its suffix names none)."""
    return SUFFIXES.get(out.suffix.lower())


def render(report: Report, fmt: str, out: Path) -> None:
    """Write ``report`` as ``fmt`` to ``out`` (``KeyError`` for an unknown format)."""
    module, _, function = RENDERERS[fmt].partition(":")
    renderer: Renderer = getattr(importlib.import_module(module), function)
    renderer(report, Path(out))


def render_bytes(report: Report, fmt: str, filename: str | None = None) -> bytes:
    """The rendered file as bytes; ``filename`` (e.g. ``report.zip``) can pick a variant."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="chokepoint-report-") as folder:
        out = Path(folder) / (filename or f"report.{fmt}")
        render(report, fmt, out)
        return out.read_bytes()
