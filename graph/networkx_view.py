"""Turn stored records into the NetworkX ``MultiDiGraph`` that ``analysis/`` works on.

Nodes are keyed by id and carry every property (``kind`` as its lower-case value, free
attributes merged in under their own names unless they clash).  Edges are keyed by the
relationship kind (``"REQUIRES"`` ...) and carry their properties.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from graph.model import Node, Relationship

__all__ = ["to_networkx", "node_attributes", "relationship_attributes"]


def node_attributes(node: Node) -> dict[str, Any]:
    attrs = {k: v for k, v in node.attributes.items()}
    attrs.update(node.properties())
    attrs["sources"] = list(node.sources)
    attrs["last_run"] = node.last_run
    return attrs


def relationship_attributes(rel: Relationship) -> dict[str, Any]:
    attrs = {k: v for k, v in rel.attributes.items()}
    attrs.update(rel.properties())
    attrs["kind"] = rel.kind.value
    attrs["sources"] = list(rel.sources)
    attrs["last_run"] = rel.last_run
    return attrs


def to_networkx(nodes: Iterable[Node], relationships: Iterable[Relationship]) -> nx.MultiDiGraph:
    """Build the analysis graph; relationships whose endpoints are absent are left out, and
    so are those not counted (another source is the item's source of record for shares)."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((n.id, node_attributes(n)) for n in nodes)
    graph.add_edges_from(
        (r.from_id, r.to_id, r.kind.value, relationship_attributes(r))
        for r in relationships
        if r.counted and r.from_id in graph and r.to_id in graph
    )
    return graph
