"""The neighbourhood of one node: what it depends on (upstream) and what depends on it
(downstream), to a depth, filtered by kind and country, capped in size.

Edges point from the dependent to what it depends on, so *upstream* follows
out-edges and *downstream* follows in-edges.  The walk is breadth-first over every node, and
the filters decide which of the reached nodes are *shown*: asking for the countries upstream
of a chip to depth 3 finds the countries its suppliers sit in, even though the suppliers
themselves are not shown.  Edges are kept between shown nodes only.  The centre is always
shown.

A node's countries (for the country filter) are its ``LOCATED_IN`` and ``HEADQUARTERED_IN``
countries; a node with neither takes its suppliers' countries, recursively; a country node is
its own country.  The walk stops once ``cap`` nodes are shown, closest first, and says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from graph.errors import NotFoundError
from graph.model import NodeKind, RelKind

__all__ = ["Neighbourhood", "neighbourhood", "node_countries", "DIRECTIONS"]

DIRECTIONS = ("upstream", "downstream", "both")
_PLACES = (RelKind.LOCATED_IN.value, RelKind.HEADQUARTERED_IN.value)


@dataclass(frozen=True)
class Neighbourhood:
    """The shown part of a node's neighbourhood.

    ``distance`` gives each shown node's hop count from the centre and ``side`` whether it
    was reached ``upstream``, ``downstream`` or is the ``centre`` (a node reachable both ways
    keeps the side it was first reached on, upstream winning ties).  ``truncated`` is true
    when the cap stopped the walk before it reached ``depth``.
    """

    centre: str
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str, str], ...]
    distance: dict[str, int]
    side: dict[str, str]
    truncated: bool
    cap: int


def node_countries(graph: nx.MultiDiGraph, node: str) -> frozenset[str]:
    """The countries ``node`` sits in or answers to (see the module docstring).

    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from([("chip", {"kind": "chip"}), ("tsmc", {"kind": "supplier"}),
    ...                   ("TW", {"kind": "country"})])
    >>> _ = g.add_edge("chip", "tsmc", "SUPPLIED_BY")
    >>> _ = g.add_edge("tsmc", "TW", "LOCATED_IN")
    >>> sorted(node_countries(g, "chip"))
    ['TW']
    """
    return _countries(graph, node, frozenset())


def _countries(graph: nx.MultiDiGraph, node: str, visiting: frozenset[str]) -> frozenset[str]:
    if graph.nodes[node].get("kind") == NodeKind.COUNTRY.value:
        return frozenset({node})
    out = graph.out_edges(node, keys=True)
    places = frozenset(target for _, target, key in out if key in _PLACES)
    if places:
        return places
    found: set[str] = set()
    for _, supplier, key in out:
        if key == RelKind.SUPPLIED_BY.value and supplier not in visiting:
            found |= _countries(graph, supplier, visiting | {node})
    return frozenset(found)


def _steps(graph: nx.MultiDiGraph, node: str, side: str) -> Iterable[str]:
    if side == "upstream":
        return sorted(set(graph.successors(node)))
    return sorted(set(graph.predecessors(node)))


def neighbourhood(graph: nx.MultiDiGraph, centre: str, *, depth: int = 2,
                  direction: str = "both", kinds: Iterable[str] | None = None,
                  countries: Iterable[str] | None = None, cap: int = 250) -> Neighbourhood:
    """The nodes within ``depth`` hops of ``centre`` in ``direction``, filtered and capped.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["car", "chip", "fab"], kind="component")
    >>> _ = g.add_edge("car", "chip", "REQUIRES")
    >>> _ = g.add_edge("chip", "fab", "REQUIRES")
    >>> neighbourhood(g, "chip", depth=1).nodes
    ('chip', 'fab', 'car')
    >>> neighbourhood(g, "car", depth=1, direction="upstream").edges
    (('car', 'chip', 'REQUIRES'),)
    """
    if centre not in graph:
        raise NotFoundError(f"unknown node {centre!r}; search for it by name or id")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
    wanted_kinds = set(kinds) if kinds else None
    wanted_countries = set(countries) if countries else None

    def shown(node: str) -> bool:
        if wanted_kinds is not None and graph.nodes[node].get("kind") not in wanted_kinds:
            return False
        return wanted_countries is None or bool(node_countries(graph, node) & wanted_countries)

    sides = ["upstream", "downstream"] if direction == "both" else [direction]
    distance, side = {centre: 0}, {centre: "centre"}
    order = [centre]
    frontier = [(centre, s) for s in sides]
    truncated = False
    for hop in range(1, max(depth, 0) + 1):
        following = []
        for node, way in frontier:
            for step in _steps(graph, node, way):
                if step in distance:
                    continue
                distance[step], side[step] = hop, way
                following.append((step, way))
                if shown(step):
                    if len(order) >= cap:
                        truncated = True
                        break
                    order.append(step)
            if truncated:
                break
        if truncated or not following:
            break
        frontier = following
    edges = sorted((u, v, k) for u, v, k in graph.subgraph(order).edges(keys=True))
    return Neighbourhood(
        centre=centre, nodes=tuple(order), edges=tuple(edges),
        distance={n: distance[n] for n in order}, side={n: side[n] for n in order},
        truncated=truncated, cap=cap)
