"""What an ingest job changed in the analysis: new and resolved SPOFs, concentration that
crossed a threshold.  Handed to :func:`ingest.jobs.run_jobs`, which may not import analysis."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from ingest.jobs import DEFAULT_HHI_THRESHOLD

__all__ = ["AnalysisSnapshot", "AnalysisChanges", "spof_pairs", "supplier_hhi"]

SpofFinder = Callable[[nx.MultiDiGraph], Mapping[str, list[str]]]
HhiFinder = Callable[[nx.MultiDiGraph], Mapping[str, float]]


def spof_pairs(graph: nx.MultiDiGraph) -> Mapping[str, list[str]]:
    """SPOFs of every default target (all industry nodes)."""
    from analysis.spof import single_points_of_failure

    return single_points_of_failure(graph)


def supplier_hhi(graph: nx.MultiDiGraph) -> Mapping[str, float]:
    """Supplier HHI (0–10,000) of every item that has suppliers."""
    from analysis.concentration import concentration

    return {row.id: row.hhi_suppliers for row in concentration(graph)
            if row.hhi_suppliers is not None}


@dataclass(frozen=True)
class AnalysisSnapshot:
    """The analysis results a change report compares."""

    spofs: frozenset[tuple[str, str]]  # (target, node)
    supplier_hhi: Mapping[str, float]


@dataclass(frozen=True)
class AnalysisChanges:
    """A :class:`ingest.jobs.ChangeReporter` over SPOFs and supplier concentration.

    ``threshold_crossings`` lists items whose supplier HHI moved across ``hhi_threshold``
    (2,500, "highly concentrated", by default) either way; an item that is new and already
    above it counts as crossing up.
    """

    hhi_threshold: float = DEFAULT_HHI_THRESHOLD
    find_spofs: SpofFinder = spof_pairs
    find_hhi: HhiFinder = supplier_hhi

    def snapshot(self, graph: nx.MultiDiGraph) -> AnalysisSnapshot:
        pairs = frozenset((target, node) for target, nodes in self.find_spofs(graph).items()
                          for node in nodes)
        return AnalysisSnapshot(pairs, dict(self.find_hhi(graph)))

    def dump(self, snapshot: AnalysisSnapshot) -> dict[str, Any]:
        return {"spofs": sorted(snapshot.spofs), "supplier_hhi": dict(snapshot.supplier_hhi)}

    def load(self, data: dict[str, Any]) -> AnalysisSnapshot:
        return AnalysisSnapshot(frozenset((t, n) for t, n in data["spofs"]),
                                dict(data["supplier_hhi"]))

    def changes(self, before: AnalysisSnapshot, after: AnalysisSnapshot) -> dict[str, Any]:
        return {
            "new_spofs": _pairs(after.spofs - before.spofs),
            "resolved_spofs": _pairs(before.spofs - after.spofs),
            "threshold_crossings": self._crossings(before.supplier_hhi, after.supplier_hhi),
        }

    def _crossings(self, before: Mapping[str, float],
                   after: Mapping[str, float]) -> list[dict[str, Any]]:
        found = []
        for item in sorted(after):
            old, new = before.get(item), after[item]
            was_high, is_high = (old or 0.0) >= self.hhi_threshold, new >= self.hhi_threshold
            if was_high != is_high:
                found.append({"item": item, "measure": "supplier_hhi", "before": old,
                              "after": new, "threshold": self.hhi_threshold,
                              "direction": "up" if is_high else "down"})
        return found


def _pairs(pairs: frozenset[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"target": target, "node": node} for target, node in sorted(pairs)]
