"""Structural baselines: what plain graph algorithms say, for comparison with real SPOFs.

These ignore the supply logic — alternatives (OR), groups (k-of-n) and share thresholds —
so they are **not** single points of failure.  An articulation point may be backed up by a
second supplier; a SPOF behind an ``OR`` of two routes is no articulation point.  They are
reported, labelled as baselines, to show what the AND/OR semantics changes.

* **articulation points** and **bridges** of the undirected projection of the target's
  dependency cone (the target and everything it depends on);
* **immediate dominators** from the target along the dependency edges (from dependent to
  what it depends on): ``idom(v)`` is the nearest node that every dependency path from the
  target to ``v`` passes through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from analysis.semantics import resolve_targets

__all__ = ["StructuralBaseline", "structural_baselines"]


@dataclass(frozen=True)
class StructuralBaseline:
    """Graph-only indicators for one target; not SPOFs (they ignore AND/OR logic)."""

    target: str
    articulation_points: list[str]
    bridges: list[tuple[str, str]]
    immediate_dominators: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "articulation_points": self.articulation_points,
                "bridges": [list(b) for b in self.bridges],
                "immediate_dominators": self.immediate_dominators,
                "note": "structural baselines: they ignore AND/OR logic and are not SPOFs"}


def _baseline(graph: nx.MultiDiGraph, target: str) -> StructuralBaseline:
    cone = nx.DiGraph(graph.subgraph(nx.descendants(graph, target) | {target}))
    cone.remove_edges_from(list(nx.selfloop_edges(cone)))
    undirected = cone.to_undirected()
    dominators = nx.immediate_dominators(cone, target)
    return StructuralBaseline(
        target=target,
        articulation_points=sorted(nx.articulation_points(undirected)),
        bridges=sorted(tuple(sorted(edge)) for edge in nx.bridges(undirected)),
        immediate_dominators={v: d for v, d in sorted(dominators.items()) if v != target},
    )


def structural_baselines(graph: nx.MultiDiGraph,
                         targets: Iterable[str] | None = None) -> list[StructuralBaseline]:
    """Articulation points, bridges and immediate dominators for each target.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["car", "chip", "a", "b"], kind="component")
    >>> _ = g.add_edges_from([("car", "chip", "REQUIRES", {}), ("chip", "a", "SUPPLIED_BY", {}),
    ...     ("chip", "b", "SUPPLIED_BY", {})])
    >>> b = structural_baselines(g, ["car"])[0]
    >>> b.articulation_points, b.immediate_dominators
    (['chip'], {'a': 'chip', 'b': 'chip', 'chip': 'car'})
    """
    return [_baseline(graph, target) for target in resolve_targets(graph, targets)]
