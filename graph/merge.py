"""Several sources, one truth: merge what each source says about an element, property by
property, pick one source of record for each item's shares, and list where sources disagree.

A source's *claim* on an element is the set of properties it gives that element (unset ones
left out; a node's ``failure_probability`` of 0 and ``blockable`` of true are the defaults and
count as unset).  Sources are ranked by ``(priority, run order, name)``, highest first: each
merged property comes from the highest-ranked source that sets it, free attributes key by key.

The shares of one item (its ``SUPPLIED_BY`` edges, and separately its ``LOCATED_IN`` edges)
come from one **source of record**, the highest-ranked source that gives a share to any of
those edges.  An edge that source does not assert is kept, with its own properties, but marked
not counted; a counted edge takes its share fields from the record source alone.

>>> ranks = {"seeds": (20, 1), "eto": (10, 2)}
>>> claims = {"seeds": {"kind": "supplier", "name": "ASML", "citation": "annual report"},
...           "eto": {"kind": "supplier", "name": "ASML Holding", "description": "lithography"}}
>>> node = merge_node("asml", claims, ranks)
>>> (node.name, node.description, node.citation, node.sources)
('ASML', 'lithography', 'annual report', ('eto', 'seeds'))
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph.codec import NODE_OPTIONAL, REL_OPTIONAL
from graph.model import Node, NodeKind, Relationship, RelKey, RelKind

__all__ = [
    "Claim", "Claims", "Rank", "SHARE_KINDS", "SHARE_FIELDS", "Conflict", "node_claim",
    "relationship_claim", "claims_text", "claims_from_text", "ranked", "merge_node",
    "merge_relationship", "record_source", "property_sources", "share_lists", "element_label",
    "find_conflicts",
]

Claim = dict[str, Any]
"""One source's properties for one element: set fields only, free attributes under
``attributes``."""
Claims = dict[str, Claim]
"""Every asserting source's claim on one element, by source name."""
Rank = tuple[int, int]
"""(priority, run order) of a source: the higher tuple wins."""

SHARE_KINDS = frozenset({RelKind.SUPPLIED_BY, RelKind.LOCATED_IN})
SHARE_FIELDS = tuple(f for f in REL_OPTIONAL
                     if f in ("share", "share_low", "share_high", "surge_share"))
"""The fields of a share-carrying edge that come from the item's source of record."""

_NO_RANK: Rank = (0, 0)


def node_claim(node: Node) -> Claim:
    claim: Claim = {k: v for k in NODE_OPTIONAL if (v := getattr(node, k)) is not None}
    claim["kind"] = node.kind.value
    claim["name"] = node.name
    if node.failure_probability:
        claim["failure_probability"] = node.failure_probability
    if not node.blockable:
        claim["blockable"] = False
    if node.attributes:
        claim["attributes"] = dict(node.attributes)
    return claim


def relationship_claim(rel: Relationship) -> Claim:
    claim: Claim = {k: v for k in REL_OPTIONAL if (v := getattr(rel, k)) is not None}
    if rel.attributes:
        claim["attributes"] = dict(rel.attributes)
    return claim


def claims_text(claims: Mapping[str, Claim]) -> str:
    """Claims as the JSON text the stores keep (keys sorted, so equal claims, equal text)."""
    return json.dumps(claims, sort_keys=True, default=str)


def claims_from_text(text: str) -> Claims:
    loaded: Claims = json.loads(text)
    return loaded


def ranked(sources: Iterable[str], ranks: Mapping[str, Rank]) -> list[str]:
    """``sources`` best first: higher priority, then the newer run, then the name."""
    return sorted(sources, key=lambda s: (ranks.get(s, _NO_RANK), s), reverse=True)


def _merged(claims: Mapping[str, Claim], ranks: Mapping[str, Rank]) -> Claim:
    merged: Claim = {}
    attributes: dict[str, Any] = {}
    for source in reversed(ranked(claims, ranks)):  # worst first: better ones overwrite
        for key, value in claims[source].items():
            if key == "attributes":
                attributes.update(value)
            else:
                merged[key] = value
    if attributes:
        merged["attributes"] = attributes
    return merged


def property_sources(claims: Mapping[str, Claim], ranks: Mapping[str, Rank]) -> dict[str, str]:
    """The source each merged property (and each free attribute) comes from.

    >>> property_sources({"a": {"name": "X", "citation": "c"}, "b": {"name": "Y"}},
    ...                  {"a": (1, 1), "b": (2, 2)})
    {'citation': 'a', 'name': 'b'}
    """
    found: dict[str, str] = {}
    for source in reversed(ranked(claims, ranks)):  # worst first, as in the merge
        for key, value in claims[source].items():
            for name in (value if key == "attributes" else (key,)):
                found[name] = source
    return dict(sorted(found.items()))


def merge_node(node_id: str, claims: Mapping[str, Claim], ranks: Mapping[str, Rank]) -> Node:
    """The node the claims make together; ``sources`` are the claimants, no run is set."""
    merged = _merged(claims, ranks)
    return Node(node_id, NodeKind(merged["kind"]), merged["name"],
                failure_probability=merged.get("failure_probability", 0.0),
                blockable=merged.get("blockable", True),
                attributes=merged.get("attributes", {}),
                sources=tuple(sorted(claims)),
                **{k: merged.get(k) for k in NODE_OPTIONAL})


def merge_relationship(key: RelKey, claims: Mapping[str, Claim], ranks: Mapping[str, Rank],
                       record: str | None = None) -> Relationship:
    """The relationship the claims make together.  ``record`` is the source of record for
    the shares of the item this edge starts from (share kinds only; ``None``: there is none)."""
    merged = _merged(claims, ranks)
    counted = True
    if record is not None:
        if record in claims:
            own = claims[record]
            for name in SHARE_FIELDS:
                merged.pop(name, None)
                if name in own:
                    merged[name] = own[name]
        else:
            counted = False
    from_id, to_id, kind = key
    return Relationship(from_id, to_id, RelKind(kind),
                        attributes=merged.get("attributes", {}), sources=tuple(sorted(claims)),
                        counted=counted, **{k: merged.get(k) for k in REL_OPTIONAL})


def share_lists(edges: Mapping[RelKey, Mapping[str, Claim]]) -> dict[str, dict[str, Any]]:
    """Per source, the shares it lists for one item's edges of one kind: ``{source: {to id:
    share}}``; sources that give no share are left out."""
    lists: dict[str, dict[str, Any]] = {}
    for (_, to_id, _), claims in edges.items():
        for source, claim in claims.items():
            if claim.get("share") is not None:
                lists.setdefault(source, {})[to_id] = claim["share"]
    return lists


def record_source(edges: Mapping[RelKey, Mapping[str, Claim]],
                  ranks: Mapping[str, Rank]) -> str | None:
    """The source of record for one item's shares of one kind: the best-ranked source that
    lists a share for any of ``edges``; ``None`` when none does."""
    listing = share_lists(edges)
    return ranked(listing, ranks)[0] if listing else None


def element_label(key: str | RelKey) -> str:
    """A node's id, or ``from -[KIND]-> to`` for a relationship."""
    if isinstance(key, str):
        return key
    return f"{key[0]} -[{key[2]}]-> {key[1]}"


@dataclass(frozen=True)
class Conflict:
    """Sources that give one property of one element different values."""

    element: str
    property: str
    values: tuple[tuple[str, Any], ...]
    """(source, value) pairs, the winner first, then the others best first."""
    winner: str

    def as_dict(self) -> dict[str, Any]:
        return {"element": self.element, "property": self.property,
                "values": [{"source": s, "value": v} for s, v in self.values],
                "winner": self.winner}


def _comparable(value: Any) -> str:
    """``value`` as text to compare, with floats rounded to 9 places: 0.944 and a reader's
    0.9440000000000001 (a share computed by division) do not disagree."""
    def rounded(v: Any) -> Any:
        if isinstance(v, float):
            return round(v, 9)
        if isinstance(v, dict):
            return {k: rounded(x) for k, x in v.items()}
        if isinstance(v, list):
            return [rounded(x) for x in v]
        return v

    return claims_text({"v": rounded(value)})


def _property_conflicts(element: str, claims: Mapping[str, Claim], ranks: Mapping[str, Rank],
                        skip: Iterable[str] = ()) -> list[Conflict]:
    by_property: dict[str, list[tuple[str, Any]]] = {}
    skipped = set(skip)
    for source in ranked(claims, ranks):
        claim = claims[source]
        fields = [(k, v) for k, v in claim.items() if k != "attributes" and k not in skipped]
        fields += list(claim.get("attributes", {}).items())
        for name, value in fields:
            by_property.setdefault(name, []).append((source, value))
    found = []
    for name, values in sorted(by_property.items()):
        if len({_comparable(v) for _, v in values}) > 1:
            found.append(Conflict(element, name, tuple(values), values[0][0]))
    return found


def find_conflicts(node_claims: Mapping[str, Claims],
                   relationship_claims: Mapping[RelKey, Claims],
                   ranks: Mapping[str, Rank]) -> list[Conflict]:
    """Every disagreement among the claims: one property with different values, and two
    share lists for one item, sorted by element and property.

    Only elements several sources assert can disagree, so only their claims need passing --
    but an item's share lists need every edge of that item and kind (single-source ones too).
    """
    found: list[Conflict] = []
    for node_id, claims in node_claims.items():
        if len(claims) > 1:
            found += _property_conflicts(node_id, claims, ranks)
    items: dict[tuple[str, str], dict[RelKey, Claims]] = {}
    for key, claims in relationship_claims.items():
        share_kind = key[2] in SHARE_KINDS
        if share_kind:
            items.setdefault((key[0], key[2]), {})[key] = claims
        if len(claims) > 1:
            found += _property_conflicts(element_label(key), claims, ranks,
                                         SHARE_FIELDS if share_kind else ())
    for (item, kind), edges in items.items():
        lists = share_lists(edges)
        if len(lists) > 1 and len({_comparable(v) for v in lists.values()}) > 1:
            order = ranked(lists, ranks)
            found.append(Conflict(item, f"{kind} shares",
                                  tuple((s, dict(sorted(lists[s].items()))) for s in order),
                                  order[0]))
    return sorted(found, key=lambda c: (c.element, c.property))
