"""Random supply graphs with time fields, and oracles that read them at a horizon.

The oracles read the graph at ``t`` straight from DESIGN §4.6, edge by edge, without the
compiled models: an edge whose lead time lies ahead is absent (a supplier with a surge share
is present from 0 with its share), a supplier past its lead time counts with
``max(normalised share, surge_share)`` and the others keep their normalised shares, and an
input whose buffer lies ahead counts as available to that dependent.  Then the Boolean
greatest fixpoint is found by enumeration as in ``supply_oracles``, and availability by
plain Jacobi iteration on acyclic graphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
from hypothesis import strategies as st
from supply_oracles import TOLERANCE, supply_graphs

from analysis.semantics import normalise_shares

HORIZONS = (0, 3, 6, 12, 24)
BUFFERS = (None, None, 0, 3, 6, 12)
LEADS = (None, None, 0, 6, 12)
SURGES = (None, None, 0.5, 0.8, 1.0)
TIMED_KINDS = ("REQUIRES", "SUPPLIED_BY", "LOCATED_IN")


@st.composite
def timed_supply_graphs(draw: st.DrawFn, max_nodes: int = 8) -> nx.MultiDiGraph:
    """``supply_graphs`` with buffers on any edge, lead times on requirements, suppliers
    and locations, and surge shares (not below the share) on suppliers."""
    graph = draw(supply_graphs(max_nodes=max_nodes))
    for _, _, kind, data in graph.edges(keys=True, data=True):
        buffer = draw(st.sampled_from(BUFFERS))
        if buffer is not None:
            data["buffer_months"] = buffer
        if kind in TIMED_KINDS:
            lead = draw(st.sampled_from(LEADS))
            if lead is not None:
                data["lead_time_months"] = lead
        if kind == "SUPPLIED_BY":
            surge = draw(st.sampled_from(SURGES))
            if surge is not None and surge >= (data.get("share") or 0.0):
                data["surge_share"] = surge
    return graph


def acyclic(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``graph`` without the edges that point to an earlier node (no cycles, no loops)."""
    order = {n: i for i, n in enumerate(sorted(graph, key=lambda n: int(n[1:])))}
    kept = nx.MultiDiGraph()
    kept.add_nodes_from(graph.nodes(data=True))
    kept.add_edges_from((u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True)
                        if order[u] < order[v])
    return kept


@dataclass(frozen=True)
class Entry:
    """One input of a node as it stands at the horizon."""

    target: str
    weight: float
    held: bool


@dataclass(frozen=True)
class NodeAt:
    suppliers: tuple[Entry, ...]
    locations: tuple[Entry, ...]
    groups: tuple[tuple[tuple[Entry, ...], int], ...]
    threshold: float


def read_at(graph: nx.MultiDiGraph, months: float) -> dict[str, NodeAt]:
    """Every node's inputs as they stand at ``months``."""
    result = {}
    for node in graph:
        edges = []
        for _, target, kind, data in graph.out_edges(node, keys=True, data=True):
            lead = data.get("lead_time_months") or 0
            surge = data.get("surge_share") if kind == "SUPPLIED_BY" else None
            if lead > months and surge is None:
                continue
            held = (data.get("buffer_months") or 0) > months
            edges.append((kind, target, data, held, surge if lead <= months else None))
        result[node] = NodeAt(
            _shares([e for e in edges if e[0] == "SUPPLIED_BY"]),
            _shares([e for e in edges if e[0] == "LOCATED_IN"]
                    or [e for e in edges if e[0] == "HEADQUARTERED_IN"]),
            _groups([e for e in edges if e[0] == "REQUIRES"]),
            float(graph.nodes[node].get("min_supply_share") or 0.0))
    return result


def _shares(edges: list) -> tuple[Entry, ...]:
    edges = sorted(edges, key=lambda e: e[1])
    normal, _ = normalise_shares([e[2].get("share") if e[0] != "HEADQUARTERED_IN" else None
                                  for e in edges])
    return tuple(Entry(target, share if surge is None else max(share, surge), held)
                 for (_, target, _, held, surge), share in zip(edges, normal, strict=True))


def _groups(edges: list) -> tuple[tuple[tuple[Entry, ...], int], ...]:
    groups: dict[str, list] = {}
    for _, target, data, held, _ in edges:
        groups.setdefault(data.get("group") or f"requires:{target}", []).append(
            (Entry(target, 1.0, held), data.get("min_required") or 1))
    return tuple((tuple(e for e, _ in members),
                  min(max(n for _, n in members), len(members)))
                 for members in groups.values())


def _counts(entry: Entry, up: set[str]) -> bool:
    return entry.held or entry.target in up


def _share_met(entries: tuple[Entry, ...], up: set[str], threshold: float) -> bool:
    have = sum(e.weight for e in entries if _counts(e, up))
    return have >= max(min(threshold, 1.0), 1e-12) - TOLERANCE and have > TOLERANCE


def up_nodes_at(graph: nx.MultiDiGraph, months: float, failed: Iterable[str]) -> set[str]:
    """The greatest fixpoint of "up" on the graph read at ``months``."""
    nodes = read_at(graph, months)
    up = set(graph) - set(failed)
    changed = True
    while changed:
        changed = False
        for node in sorted(up):
            at = nodes[node]
            ok = ((not at.suppliers or _share_met(at.suppliers, up, at.threshold))
                  and (not at.locations or _share_met(at.locations, up, at.threshold))
                  and all(sum(_counts(e, up) for e in members) >= need
                          for members, need in at.groups))
            if not ok:
                up.discard(node)
                changed = True
    return up


def availability_at(graph: nx.MultiDiGraph, months: float,
                    disruption: Mapping[str, float]) -> dict[str, float]:
    """Availability on an acyclic graph read at ``months``, by plain iteration from 1."""
    nodes = read_at(graph, months)
    value = {n: 1.0 for n in graph}

    def got(entry: Entry) -> float:
        return 1.0 if entry.held else value[entry.target]

    for _ in range(len(graph) + 1):
        for node, at in nodes.items():
            factors = [1.0]
            if at.suppliers:
                factors.append(min(1.0, sum(e.weight * got(e) for e in at.suppliers)))
            if at.locations:
                factors.append(min(1.0, sum(e.weight * got(e) for e in at.locations)))
            for members, need in at.groups:
                factors.append(sorted((got(e) for e in members), reverse=True)[need - 1])
            value[node] = (1.0 - disruption.get(node, 0.0)) * min(factors)
    return value
