"""Collecting one reader's records into a :class:`~graph.model.Batch`.

A source often states one fact several times (a firm listed under three aliases, a package
named by two dependency entries).  The builder keeps the first statement of each node and
relationship, so a batch never holds duplicates, and gives every element the reader's
citation and as-of date unless the element has its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.model import Batch, Node, NodeKind, Relationship, RelKey, RelKind
from ingest.countries import PSEUDO_COUNTRIES, country_name

__all__ = ["BatchBuilder", "COUNTRY_CITATION"]

COUNTRY_CITATION = "ISO 3166-1 country codes (via pycountry)"


@dataclass
class BatchBuilder:
    """Nodes and relationships by identity, plus what could not be resolved."""

    source: str
    citation: str
    as_of: str | None = None
    origin: str | None = None
    nodes: dict[str, Node] = field(default_factory=dict)
    relationships: dict[RelKey, Relationship] = field(default_factory=dict)
    unresolved: dict[str, None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def node(self, node_id: str, kind: NodeKind, name: str, *, description: str | None = None,
             citation: str | None = None, as_of: str | None = None,
             attributes: Mapping[str, Any] | None = None, origin: str | None = None,
             blockable: bool = True, failure_probability: float = 0.0) -> str:
        """Add a node unless one with ``node_id`` is already here; return the id."""
        if node_id not in self.nodes:
            self.nodes[node_id] = Node(
                id=node_id, kind=kind, name=name.strip(), description=description or None,
                blockable=blockable, failure_probability=failure_probability,
                citation=citation or self.citation, as_of=as_of or self.as_of,
                attributes=dict(attributes or {}), origin=origin)
        elif self.nodes[node_id].kind is not kind:
            kept = self.nodes[node_id].kind.value
            self.note(f"{name!r} would be a {kind.value} but id {node_id!r} is already a "
                      f"{kept}; kept the {kept}")
        return node_id

    def country(self, code: str, *, as_of: str | None = None) -> str:
        """Add the country node ``code`` (an alpha-2 or pseudo-country code); return its id."""
        attributes = {"pseudo_country": True} if code in PSEUDO_COUNTRIES else {}
        return self.node(code, NodeKind.COUNTRY, country_name(code), citation=COUNTRY_CITATION,
                         as_of=as_of, attributes=attributes)

    def relate(self, from_id: str, to_id: str, kind: RelKind, *, share: float | None = None,
               group: str | None = None, min_required: int | None = None,
               role: str | None = None, citation: str | None = None,
               as_of: str | None = None, attributes: Mapping[str, Any] | None = None,
               origin: str | None = None) -> None:
        """Add ``from_id -[kind]-> to_id`` unless it is already here."""
        key = (from_id, to_id, kind.value)
        if key in self.relationships or from_id == to_id:
            return
        self.relationships[key] = Relationship(
            from_id, to_id, kind, share=share, group=group, min_required=min_required, role=role,
            citation=citation or self.citation, as_of=as_of or self.as_of,
            attributes=dict(attributes or {}), origin=origin)

    def has_relationship(self, from_id: str, to_id: str, kind: RelKind) -> bool:
        return (from_id, to_id, kind.value) in self.relationships

    def unresolved_name(self, text: str) -> None:
        """Record a name that should match a known entity but matches none."""
        self.unresolved.setdefault(text.strip(), None)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def build(self) -> Batch:
        return Batch(source=self.source, nodes=list(self.nodes.values()),
                     relationships=list(self.relationships.values()), origin=self.origin,
                     unresolved=sorted(self.unresolved), notes=list(self.notes))
