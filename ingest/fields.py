"""Parsing of single cell values, shared by the readers.  Each raises ``ValueError`` with a
message fit to follow a file:row:column location."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

__all__ = ["blank", "parse_float", "parse_int", "parse_count", "parse_bool", "parse_as_of"]

_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def parse_float(value: Any, low: float = 0.0, high: float = 1.0) -> float:
    """A number in [low, high]; accepts ``60%`` as 0.6."""
    text = str(value).strip()
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1].strip(), 0.01
    try:
        number = float(text) * scale
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if math.isnan(number) or not low <= number <= high:
        hint = " (write 0.6 or 60%, not 60)" if high == 1.0 and number > 1 else ""
        raise ValueError(f"{value!r} is outside {low:g}–{high:g}{hint}")
    return number


MAX_COUNT = 1_000_000
"""The largest count (``min_required``) a reader accepts."""


def parse_int(value: Any) -> int:
    text = str(value).strip()
    try:
        number = int(text) if text.lstrip("+-").isdigit() else float(text)
    except (ValueError, OverflowError):
        raise ValueError(f"{value!r} is not a whole number") from None
    if isinstance(number, float) and not number.is_integer():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


def parse_count(value: Any) -> int:
    """A whole number up to :data:`MAX_COUNT` (whether it is at least 1 is the validator's
    to say, with the group)."""
    number = parse_int(value)
    if number > MAX_COUNT:
        raise ValueError(f"{value!r} is too large (at most {MAX_COUNT:,}); a count of group "
                         "members needed is a small whole number")
    return number


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "y", "t"):
        return True
    if text in ("false", "no", "0", "n", "f"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def parse_as_of(value: Any) -> str:
    """An ISO date ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, returned as text."""
    if isinstance(value, date):
        return value.isoformat()[:10]
    text = str(value).strip()
    if isinstance(value, int | float) and float(value).is_integer():
        text = str(int(value))
    if not _DATE.match(text):
        raise ValueError(f"{value!r} is not a date; write YYYY-MM-DD, YYYY-MM or YYYY")
    parts = [int(p) for p in text.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None
    return text
