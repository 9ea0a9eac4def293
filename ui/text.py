"""Text from the data as it may be shown: bidirectional-text controls removed."""

from __future__ import annotations

import re

__all__ = ["shown", "pct"]

# Bidirectional-text controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM ALM): a name
# holding one can show its text reversed or reordered; they are removed where names are shown.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def shown(text: object) -> str:
    """``text`` as it may be displayed: bidirectional-text controls removed."""
    return _BIDI.sub("", str(text))


def pct(value: float | None) -> str:
    """The one way the app writes a share: ``42.5%``."""
    return "" if value is None else f"{100 * value:.1f}%"
