"""Results over many targets, per region, and ties stated as ties (design §4.7).

A target's *region* is its headquarters country (the first, sorted, when it has several);
without one, its only ``LOCATED_IN`` country; failing that, ``"?"``.  A mean over whatever
industry nodes a graph holds says little when most of them sit in one country, so results
over several targets are also given per region.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx

__all__ = ["region_of", "regions", "mean_by_region", "ties", "UNKNOWN_REGION", "TIE"]

UNKNOWN_REGION = "?"
TIE = 5e-4
"""Values closer than this (0.05 percentage points) are reported as one tie."""


def region_of(graph: nx.MultiDiGraph, node: str) -> str:
    """The node's headquarters country, else its only location, else ``"?"``."""
    hq = sorted(v for _, v, k in graph.out_edges(node, keys=True) if k == "HEADQUARTERED_IN")
    if hq:
        return str(hq[0])
    located = sorted(v for _, v, k in graph.out_edges(node, keys=True) if k == "LOCATED_IN")
    return str(located[0]) if len(located) == 1 else UNKNOWN_REGION


def regions(graph: nx.MultiDiGraph, targets: Iterable[str]) -> dict[str, list[str]]:
    """Region → its targets, regions with more targets first, then by code."""
    found: dict[str, list[str]] = {}
    for target in targets:
        found.setdefault(region_of(graph, target), []).append(target)
    return dict(sorted(found.items(), key=lambda p: (-len(p[1]), p[0])))


def mean_by_region(graph: nx.MultiDiGraph, values: Mapping[str, float],
                   targets: Iterable[str] | None = None) -> dict[str, float]:
    """The mean of ``values`` (target → value; a missing target counts 0) per region."""
    chosen = list(targets) if targets is not None else list(values)
    return {region: sum(values.get(t, 0.0) for t in members) / len(members)
            for region, members in regions(graph, chosen).items()}


def ties(values: Mapping[str, float]) -> list[tuple[float, list[str]]]:
    """Groups of keys whose values are within :data:`TIE` of the group's first, largest
    value first; each group sorted by key.

    >>> ties({"a": 0.895, "b": 0.8952, "c": 0.1})
    [(0.8952, ['a', 'b']), (0.1, ['c'])]
    """
    ordered = sorted(values.items(), key=lambda p: (-p[1], p[0]))
    groups: list[tuple[float, list[str]]] = []
    for key, value in ordered:
        if groups and groups[-1][0] - value <= TIE:
            groups[-1][1].append(key)
        else:
            groups.append((value, [key]))
    return [(value, sorted(keys)) for value, keys in groups]
