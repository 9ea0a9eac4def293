"""Node and relationship kinds and the records that carry them, with provenance."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

__all__ = [
    "NodeKind",
    "RelKind",
    "Node",
    "Relationship",
    "Batch",
    "RelKey",
    "NODE_FIELDS",
    "REL_FIELDS",
    "parse_node_kind",
    "parse_rel_kind",
    "is_valid_id",
    "BASES",
    "REL_TIME_TRUST",
]


class NodeKind(StrEnum):
    """What a node is.  The value is the lower-case name used in files and JSON."""

    CHIP = "chip"
    COMPONENT = "component"
    SOFTWARE = "software"
    MODEL = "model"
    DATASET = "dataset"
    SUPPLIER = "supplier"
    COUNTRY = "country"
    INDUSTRY = "industry"

    @property
    def label(self) -> str:
        """The Neo4j label for this kind (``Chip``, ``Component``, ...)."""
        return self.value.capitalize()


class RelKind(StrEnum):
    """Relationship kinds; all point from the dependent to what it depends on."""

    REQUIRES = "REQUIRES"
    SUPPLIED_BY = "SUPPLIED_BY"
    LOCATED_IN = "LOCATED_IN"
    HEADQUARTERED_IN = "HEADQUARTERED_IN"


def parse_node_kind(text: str) -> NodeKind:
    """Case-insensitive kind lookup; raises ``ValueError`` naming the allowed kinds."""
    try:
        return NodeKind(str(text).strip().lower())
    except ValueError:
        allowed = ", ".join(k.value for k in NodeKind)
        raise ValueError(f"unknown node kind {text!r}; use one of: {allowed}") from None


def parse_rel_kind(text: str) -> RelKind:
    """Case-insensitive relationship kind lookup (``requires`` == ``REQUIRES``)."""
    try:
        return RelKind(str(text).strip().upper())
    except ValueError:
        allowed = ", ".join(k.value for k in RelKind)
        raise ValueError(f"unknown relationship kind {text!r}; use one of: {allowed}") from None


_ID = re.compile(r"^[a-z0-9][a-z0-9._:/+-]*$")
_COUNTRY_ID = re.compile(r"^[A-Z]{2}$")


def is_valid_id(node_id: str, kind: NodeKind | None = None) -> bool:
    """Ids are lower-case slugs; a country's id is its upper-case ISO 3166-1 alpha-2 code."""
    if kind is NodeKind.COUNTRY or (kind is None and _COUNTRY_ID.match(node_id)):
        return bool(_COUNTRY_ID.match(node_id))
    return bool(_ID.match(node_id)) and len(node_id) <= 200


@dataclass(frozen=True, slots=True)
class Node:
    """A node of the supply graph.

    ``sources`` names the ingest sources that assert it; ``origin`` says where a reader found
    it (``nodes.csv:12``) and is used only in error messages, never stored.
    """

    id: str
    kind: NodeKind
    name: str
    description: str | None = None
    failure_probability: float = 0.0
    min_supply_share: float | None = None
    blockable: bool = True
    citation: str | None = None
    as_of: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    last_run: str | None = None
    origin: str | None = field(default=None, compare=False)

    def properties(self) -> dict[str, Any]:
        """The stored properties, without provenance bookkeeping (sources, run, origin)."""
        return {
            "kind": self.kind.value,
            "name": self.name,
            "description": self.description,
            "failure_probability": self.failure_probability,
            "min_supply_share": self.min_supply_share,
            "blockable": self.blockable,
            "citation": self.citation,
            "as_of": self.as_of,
            "attributes": dict(self.attributes),
        }

    def with_provenance(self, sources: Iterable[str], last_run: str | None) -> Node:
        return replace(self, sources=tuple(sorted(set(sources))), last_run=last_run)


RelKey = tuple[str, str, str]
"""A relationship's identity: (from id, to id, kind value)."""


@dataclass(frozen=True, slots=True)
class Relationship:
    """A relationship ``from_id -[kind]-> to_id`` (dependent → what it depends on).

    ``counted`` is false for a ``SUPPLIED_BY`` or ``LOCATED_IN`` edge that the item's source
    of record for shares does not assert: it is kept and shown, but the analysis leaves it out.
    """

    from_id: str
    to_id: str
    kind: RelKind
    share: float | None = None
    group: str | None = None
    min_required: int | None = None
    role: str | None = None
    citation: str | None = None
    as_of: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    last_run: str | None = None
    origin: str | None = field(default=None, compare=False)
    # How sure (DESIGN §4.7) and time (§4.6); all optional, unset means "not given".
    basis: str | None = None
    share_low: float | None = None
    share_high: float | None = None
    buffer_months: float | None = None
    lead_time_months: float | None = None
    surge_share: float | None = None
    counted: bool = True

    @property
    def key(self) -> RelKey:
        return (self.from_id, self.to_id, self.kind)  # StrEnum: equal to its value

    def properties(self) -> dict[str, Any]:
        return {
            "share": self.share,
            "group": self.group,
            "min_required": self.min_required,
            "role": self.role,
            "citation": self.citation,
            "as_of": self.as_of,
            "basis": self.basis,
            "share_low": self.share_low,
            "share_high": self.share_high,
            "buffer_months": self.buffer_months,
            "lead_time_months": self.lead_time_months,
            "surge_share": self.surge_share,
            "attributes": dict(self.attributes),
        }

    def with_provenance(self, sources: Iterable[str], last_run: str | None) -> Relationship:
        return replace(self, sources=tuple(sorted(set(sources))), last_run=last_run)


NODE_FIELDS = (
    "id", "kind", "name", "description", "failure_probability", "min_supply_share",
    "blockable", "citation", "as_of",
)
REL_TIME_TRUST = ("basis", "share_low", "share_high", "buffer_months", "lead_time_months",
                  "surge_share")
"""Relationship fields on how sure a fact is (§4.7) and on time (§4.6), rarely all set."""
REL_FIELDS = ("from", "to", "kind", "share", "group", "min_required", "role", "citation", "as_of",
              *REL_TIME_TRUST)
ASSUMPTION = "assumption"
"""The basis of a relationship that is a modelling choice, not a cited fact."""
BASES = ("cited", "estimate", ASSUMPTION)
"""What a relationship stands on: a cited fact, an estimate, or a modelling assumption."""


@dataclass(frozen=True)
class Batch:
    """What one ingest run asserts: the whole contribution of one named source.

    ``unresolved`` lists names a reader could not match to a known entity (reported, never
    guessed); ``origin`` is the file or URL read.  ``priority`` ranks the source against the
    others when they disagree (higher wins; equal priorities: the newer run wins).
    """

    source: str
    nodes: list[Node]
    relationships: list[Relationship]
    origin: str | None = None
    unresolved: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    priority: int = 0
