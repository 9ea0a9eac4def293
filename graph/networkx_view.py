"""Turn stored records into the NetworkX ``MultiDiGraph`` that ``analysis/`` works on, or
into :class:`Adjacency`, the same nodes and edges as plain dictionaries for commands that
only need the supply model (NetworkX alone takes about 0.15 s to import).

Nodes are keyed by id and carry every property (``kind`` as its lower-case value, free
attributes merged in under their own names unless they clash).  Edges are keyed by the
relationship kind (``"REQUIRES"`` ...) and carry their properties.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graph.model import Node, Relationship

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Adjacency", "to_adjacency", "to_networkx", "graph_of", "node_attributes",
           "relationship_attributes"]


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
    return graph_of(((n.id, node_attributes(n)) for n in nodes),
                    ((r.from_id, r.to_id, r.kind.value, relationship_attributes(r))
                     for r in relationships if r.counted))


Edge = tuple[str, str, str, dict[str, Any]]
"""One counted relationship as ``(from, to, kind value, attributes)``."""


def graph_of(nodes: Iterable[tuple[str, dict[str, Any]]], edges: Iterable[Edge]
             ) -> nx.MultiDiGraph:
    """The analysis graph of nodes ``(id, attributes)`` and counted ``edges``, the attribute
    dictionaries taken as they are (not copied); edges whose endpoints are absent are left
    out.  :func:`to_networkx` builds its graph here; a store can give the dictionaries
    straight from its rows, without making records first.

    Nodes and edges go straight into the graph's dictionaries, as ``add_node`` and
    ``add_edge`` would put them, in about a third of the time those take."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    known, succ, pred = graph._node, graph._succ, graph._pred
    for node, attrs in nodes:
        found = known.get(node)
        if found is None:
            known[node], succ[node], pred[node] = attrs, {}, {}
        else:  # a repeated id updates the first one's attributes, as ``add_node`` does
            found.update(attrs)
    _add_edges(succ, pred, edges)
    return graph


@dataclass(frozen=True)
class Adjacency:
    """The analysis graph's nodes and edges as dictionaries: ``nodes[id]`` is a node's
    attributes and ``adj[from][to][kind]`` a relationship's, as in the ``MultiDiGraph``."""

    nodes: dict[str, dict[str, Any]]
    adj: dict[str, dict[str, dict[str, dict[str, Any]]]]

    def __contains__(self, node: object) -> bool:
        return node in self.nodes


def to_adjacency(nodes: Iterable[Node], relationships: Iterable[Relationship]) -> Adjacency:
    """What :func:`to_networkx` builds (the same relationships left out), as dictionaries."""
    attrs = {n.id: node_attributes(n) for n in nodes}
    adj: dict[str, dict[str, dict[str, dict[str, Any]]]] = {n: {} for n in attrs}
    _add_edges(adj, None, ((r.from_id, r.to_id, r.kind.value, relationship_attributes(r))
                           for r in relationships if r.counted))
    return Adjacency(attrs, adj)


def _add_edges(succ: dict[str, Any], pred: dict[str, Any] | None, edges: Iterable[Edge]
               ) -> None:
    """Put the edges between nodes of ``succ`` into ``succ[from][to][kind]`` (and the same
    key dictionary into ``pred[to][from]``); a repeated ``(from, to, kind)`` updates the
    first one's attributes."""
    for source, target, kind, attrs in edges:
        out = succ.get(source)
        if out is None or target not in succ:
            continue
        keys = out.get(target)
        if keys is None:
            keys = out[target] = {}
            if pred is not None:
                pred[target][source] = keys
        found = keys.get(kind)
        if found is None:
            keys[kind] = attrs
        else:
            found.update(attrs)
