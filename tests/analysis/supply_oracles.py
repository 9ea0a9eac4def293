"""Random small supply graphs and brute-force oracles for the Boolean semantics.

The oracles enumerate every failure subset and evaluate the semantics straight from the
design text, with floats and a plain "remove what cannot stay up" loop from the all-up
state (the greatest fixpoint), independently of ``analysis.structure``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import networkx as nx
from hypothesis import strategies as st

from analysis.semantics import SupplyModel, build_supply_model

KINDS = ("supplier", "country", "component", "chip", "software")
SHARES = (None, None, 0.1, 0.2, 0.25, 0.3, 0.5)
THRESHOLDS = (0.0, 0.0, 0.0, 0.25, 0.5, 0.6, 0.75, 1.0)
PROBABILITIES = (0.0, 0.05, 0.1, 0.25, 0.5, 0.9, 1.0)
TOLERANCE = 1e-9


@st.composite
def supply_graphs(draw: st.DrawFn, max_nodes: int = 9) -> nx.MultiDiGraph:
    """A random supply graph on ``n0`` … with target ``n0``: groups, k-of-n, shares,
    thresholds, headquarters fallbacks, self-loops and cycles."""
    count = draw(st.integers(2, max_nodes))
    names = [f"n{i}" for i in range(count)]
    graph = nx.MultiDiGraph()
    for name in names:
        graph.add_node(name, kind=draw(st.sampled_from(KINDS)), name=name.upper(),
                       failure_probability=draw(st.sampled_from(PROBABILITIES)),
                       min_supply_share=draw(st.sampled_from(THRESHOLDS)))
    for i, name in enumerate(names):
        # Mostly downstream-to-upstream edges, with some back edges for cycles.
        later = names[i + 1:]
        upstream_only = bool(later) and draw(st.integers(0, 4)) > 0
        pool = st.sampled_from(later if upstream_only else names)
        members = draw(st.lists(pool, max_size=5, unique=True))
        kinds = draw(st.lists(st.sampled_from(("REQUIRES", "REQUIRES", "SUPPLIED_BY",
                                                "LOCATED_IN", "HEADQUARTERED_IN")),
                              min_size=len(members), max_size=len(members)))
        group_of = draw(st.lists(st.sampled_from((None, "g1", "g1", "g2")),
                                 min_size=len(members), max_size=len(members)))
        for member, kind, group in zip(members, kinds, group_of, strict=True):
            attrs: dict[str, object] = {}
            if kind in ("SUPPLIED_BY", "LOCATED_IN"):
                attrs["share"] = draw(st.sampled_from(SHARES))
            if kind == "REQUIRES" and group:
                attrs["group"] = group
            graph.add_edge(name, member, key=kind, **attrs)
        for group in ("g1", "g2"):
            size = sum(1 for g, k in zip(group_of, kinds, strict=True)
                       if g == group and k == "REQUIRES")
            if size:
                needed = draw(st.integers(1, size))
                for _, _, key, data in graph.out_edges(name, keys=True, data=True):
                    if key == "REQUIRES" and data.get("group") == group:
                        data["min_required"] = needed
    return graph


def _share_met(entries: tuple[tuple[str, float], ...], up: set[str], threshold: float) -> bool:
    held = sum(share for member, share in entries if member in up)
    return held >= max(min(threshold, 1.0), 1e-12) - TOLERANCE and held > TOLERANCE


def up_nodes(model: SupplyModel, failed: Iterable[str]) -> set[str]:
    """The greatest fixpoint of "up": start from everything but ``failed`` and drop nodes
    whose supply, location or groups no longer hold, until nothing changes."""
    up = set(model.nodes) - set(failed)
    changed = True
    while changed:
        changed = False
        for node in sorted(up):
            supply = model.nodes[node]
            ok = ((not supply.suppliers
                   or _share_met(supply.suppliers, up, supply.min_supply_share))
                  and (not supply.locations
                       or _share_met(supply.locations, up, supply.min_supply_share))
                  and all(sum(m in up for m in g.members) >= g.min_required
                          for g in supply.groups))
            if not ok:
                up.discard(node)
                changed = True
    return up


def down_by_brute_force(graph: nx.MultiDiGraph, target: str, failed: Iterable[str]) -> bool:
    return target not in up_nodes(build_supply_model(graph), failed)


def failure_table(graph: nx.MultiDiGraph, target: str,
                  candidates: list[str]) -> dict[frozenset[str], bool]:
    """For every subset of ``candidates``: is ``target`` down when exactly it fails?"""
    model = build_supply_model(graph)
    return {frozenset(subset): target not in up_nodes(model, subset)
            for size in range(len(candidates) + 1)
            for subset in itertools.combinations(candidates, size)}


def minimal_cut_sets_by_brute_force(graph: nx.MultiDiGraph, target: str,
                                    candidates: list[str]) -> list[tuple[str, ...]]:
    table = failure_table(graph, target, candidates)
    cuts = [s for s, down in table.items() if down]
    minimal = [s for s in cuts if not any(o < s for o in cuts)]
    return sorted((tuple(sorted(s)) for s in minimal), key=lambda s: (len(s), s))


def probability_by_brute_force(graph: nx.MultiDiGraph, target: str,
                               fixed: dict[str, bool] | None = None) -> float:
    """``P(target down)`` summed over all failure subsets; ``fixed`` pins some nodes
    failed (True) or up (False)."""
    fixed = fixed or {}
    p = {n: float(graph.nodes[n].get("failure_probability") or 0.0) for n in graph}
    for node, state in fixed.items():
        p[node] = 1.0 if state else 0.0
    free = sorted(n for n in graph if 0 < p[n] < 1)
    certain = {n for n in graph if p[n] >= 1}
    model = build_supply_model(graph)
    return sum(weight for weight, subset in _weighted(free, p)
               if target not in up_nodes(model, certain.union(subset)))


def _weighted(free: list[str], p: dict[str, float]) -> Iterable[tuple[float, tuple[str, ...]]]:
    for size in range(len(free) + 1):
        for subset in itertools.combinations(free, size):
            weight = 1.0
            for node in free:
                weight *= p[node] if node in subset else 1 - p[node]
            yield weight, subset


def requirement_named_group_graph() -> nx.MultiDiGraph:
    """``t`` requires ``a``; ``b`` is in a group named like ``a``'s hard requirement
    (``requires:a``, so it merges with it) and ``c`` alone in another group."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(["t", "a", "b", "c"], kind="component")
    graph.add_edge("t", "a", key="REQUIRES")
    graph.add_edge("t", "b", key="REQUIRES", group="requires:a", min_required=1)
    graph.add_edge("t", "c", key="REQUIRES", group="other", min_required=1)
    return graph
