"""Convert records to and from the flat property dictionaries both stores keep."""

from __future__ import annotations

import json
from typing import Any

from graph.model import Node, NodeKind, Relationship, RelKind

__all__ = ["node_data", "node_from_data", "relationship_data", "relationship_from_data"]

_NODE_OPTIONAL = ("description", "min_supply_share", "citation", "as_of", "last_run")
_REL_OPTIONAL = ("share", "group", "min_required", "role", "citation", "as_of", "last_run")


def node_data(node: Node) -> dict[str, Any]:
    """Everything but id, kind and name; ``attributes`` is kept as JSON text."""
    data: dict[str, Any] = {k: getattr(node, k) for k in _NODE_OPTIONAL}
    data["failure_probability"] = node.failure_probability
    data["blockable"] = node.blockable
    data["sources"] = list(node.sources)
    data["attributes"] = json.dumps(dict(node.attributes), sort_keys=True, default=str)
    return data


def node_from_data(node_id: str, kind: str, name: str, data: dict[str, Any]) -> Node:
    return Node(
        id=node_id,
        kind=NodeKind(kind),
        name=name,
        description=data.get("description"),
        failure_probability=float(data.get("failure_probability") or 0.0),
        min_supply_share=data.get("min_supply_share"),
        blockable=bool(data.get("blockable", True)),
        citation=data.get("citation"),
        as_of=data.get("as_of"),
        attributes=json.loads(data.get("attributes") or "{}"),
        sources=tuple(data.get("sources") or ()),
        last_run=data.get("last_run"),
    )


def relationship_data(rel: Relationship) -> dict[str, Any]:
    data: dict[str, Any] = {k: getattr(rel, k) for k in _REL_OPTIONAL}
    data["sources"] = list(rel.sources)
    data["attributes"] = json.dumps(dict(rel.attributes), sort_keys=True, default=str)
    return data


def relationship_from_data(from_id: str, to_id: str, kind: str,
                           data: dict[str, Any]) -> Relationship:
    min_required = data.get("min_required")
    return Relationship(
        from_id=from_id,
        to_id=to_id,
        kind=RelKind(kind),
        share=data.get("share"),
        group=data.get("group"),
        min_required=int(min_required) if min_required is not None else None,
        role=data.get("role"),
        citation=data.get("citation"),
        as_of=data.get("as_of"),
        attributes=json.loads(data.get("attributes") or "{}"),
        sources=tuple(data.get("sources") or ()),
        last_run=data.get("last_run"),
    )
