"""The tiers a supply chain is drawn in, from where things are made to who uses them."""

from __future__ import annotations

__all__ = ["KIND_TIERS", "tier"]

KIND_TIERS: dict[str, int] = {
    "country": 0, "supplier": 1, "component": 2, "dataset": 2, "chip": 3, "software": 4,
    "model": 5, "industry": 6,
}
"""countries → suppliers → inputs (components, datasets) → chips → software → models →
industries."""


def tier(kind: str) -> int:
    """The tier of a node kind (an unknown kind sits with the inputs)."""
    return KIND_TIERS.get(kind, 2)
