"""How a report cell is shown, and how a cell is made safe to open in a spreadsheet."""

from __future__ import annotations

from analysis.report import Cell

__all__ = ["FORMULA_STARTS", "display", "is_formula_like", "neutralise"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet may run a text cell that starts with one of these as a formula (CSV/DDE
injection); ``-`` and ``+`` too, because ``-1+2`` or ``+cmd|...`` are evaluated."""


def display(value: Cell, fmt: str) -> str:
    """The text a document shows for ``value`` in a column of format ``fmt``.

    >>> display(0.425, "percent"), display(8200.0, "number"), display(None, "int")
    ('42.5%', '8,200', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if fmt == "percent":
        return f"{100 * value:.1f}%"
    if fmt == "number":
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return str(value)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralise(value: Cell) -> Cell:
    """Text that a spreadsheet could read as a formula gets a leading single quote.

    >>> neutralise('=HYPERLINK("http://x","y")'), neutralise(-1.5), neutralise("a-b")
    ('\\'=HYPERLINK("http://x","y")', -1.5, 'a-b')
    """
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value
