"""How sure a result is: what rests on modelling assumptions, and how close to a threshold.

*Assumptions.*  A relationship's ``basis`` is ``cited``, ``estimate`` or ``assumption`` (a
modelling choice such as "every logic process needs the listed tool classes").  A result
**rests on assumptions** when it no longer holds once the ``assumption`` relationships are
left out (:func:`facts_only`):

- a SPOF of T, when it is not a SPOF of T in the facts-only graph;
- a cut set of T, when its failure no longer takes T down there;
- a chokepoint, when its removal costs the targets less than half as much there.

*Margins.*  A SPOF can exist only because what survives its failure falls just under a
threshold: a ``min_supply_share`` (the up suppliers, or locations, of some node hold less
than it) or a group's ``min_required``.  :func:`spof_details` finds, for each SPOF, the
threshold failures without which the target would stay up, and reports the closest one: the
node, the surviving share (or count) and the threshold.  A share within
:data:`KNIFE_EDGE` of its threshold is a **knife-edge** result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from analysis.capacity import TOLERANCE, CapacityModel, upstream
from analysis.spof import single_points_of_failure
from analysis.structure import SHARE_SCALE, Rule, SupplyStructure, compile_structure
from graph.model import ASSUMPTION

__all__ = ["facts_only", "assumption_edges", "Margin", "SpofDetail", "spof_details",
           "cut_sets_resting", "chokepoints_resting", "KNIFE_EDGE", "ASSUMPTION"]

KNIFE_EDGE = 0.02
"""A surviving share within this of its threshold (2 percentage points) is a knife-edge."""
HALF = 0.5
"""A chokepoint rests on assumptions when, without them, it costs less than this part."""


def assumption_edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, str]]:
    """The ``(from, to, kind)`` of every relationship whose basis is ``assumption``."""
    return sorted((u, v, k) for u, v, k, b in graph.edges(keys=True, data="basis")
                  if b == ASSUMPTION)


def facts_only(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` without its ``assumption`` relationships."""
    result = graph.copy()
    result.remove_edges_from(assumption_edges(graph))
    return result


@dataclass(frozen=True)
class Margin:
    """A threshold that a SPOF's failure leaves just unmet at ``node``."""

    node: str
    rule: str
    surviving: float
    threshold: float

    @property
    def is_share(self) -> bool:
        return self.rule in ("supply", "location")

    @property
    def gap(self) -> float:
        return self.threshold - self.surviving

    @property
    def knife_edge(self) -> bool:
        return self.is_share and self.gap <= KNIFE_EDGE + 1e-12

    def as_dict(self) -> dict[str, Any]:
        return {"node": self.node, "rule": self.rule, "surviving": self.surviving,
                "threshold": self.threshold, "knife_edge": self.knife_edge}


@dataclass(frozen=True)
class SpofDetail:
    """One SPOF of one target, with how sure it is."""

    id: str
    rests_on_assumptions: bool
    margin: Margin | None

    @property
    def knife_edge(self) -> bool:
        return self.margin is not None and self.margin.knife_edge

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "rests_on_assumptions": self.rests_on_assumptions,
                "knife_edge": self.knife_edge,
                "margin": self.margin.as_dict() if self.margin else None}


def _surviving(rule: Rule, down: set[str]) -> int:
    return sum(w for m, w in zip(rule.members, rule.weights, strict=True) if m not in down)


def _threshold_failures(structure: SupplyStructure, down: set[str], failed: str
                        ) -> list[tuple[str, int, Rule]]:
    """Rules of down nodes that fail with some weight still up: (node, rule index, rule)."""
    found = []
    for node in sorted(down - {failed}):
        for position, rule in enumerate(structure.rules[node]):
            left = _surviving(rule, down)
            if 0 < left < rule.need:
                found.append((node, position, rule))
    return found


def _margin(structure: SupplyStructure, target: str, failed: str) -> Margin | None:
    down = structure.down_nodes([failed])
    margins = []
    for node, position, rule in _threshold_failures(structure, down, failed):
        relaxed = list(structure.rules[node])
        relaxed[position] = Rule(rule.kind, rule.members, rule.weights, 1)
        trial = SupplyStructure({**structure.rules, node: tuple(relaxed)}, structure.model)
        trial.__dict__["dependents"] = structure.dependents
        if target in trial.down_nodes([failed]):
            continue
        left = _surviving(rule, down)
        if rule.kind in ("supply", "location"):
            supply = structure.model.nodes[node]
            margins.append(Margin(node, rule.kind, left / SHARE_SCALE,
                                  min(supply.min_supply_share, 1.0)))
        else:
            margins.append(Margin(node, "group", float(left), float(rule.need)))
    if not margins:
        return None
    return min(margins, key=lambda m: (not m.is_share, m.gap, m.node))


def spof_details(graph: nx.MultiDiGraph, spofs: Mapping[str, Sequence[str]],
                 structure: SupplyStructure | None = None) -> dict[str, list[SpofDetail]]:
    """For every target's SPOFs: whether each rests on assumptions, and its margin."""
    structure = structure or compile_structure(graph)
    facts = single_points_of_failure(facts_only(graph), list(spofs))
    return {target: [SpofDetail(node, node not in set(facts.get(target, ())),
                                _margin(structure, target, node))
                     for node in nodes]
            for target, nodes in spofs.items()}


def cut_sets_resting(graph: nx.MultiDiGraph, target: str,
                     cut_sets: Iterable[Sequence[str]]) -> list[bool]:
    """For each cut set of ``target``: True when, without the assumption relationships, its
    failure no longer takes the target down."""
    from analysis.cutsets import resting_on_assumptions

    facts = compile_structure(facts_only(graph)) if assumption_edges(graph) else None
    return resting_on_assumptions(facts, target, cut_sets)


def chokepoints_resting(graph: nx.MultiDiGraph, nodes: Iterable[str], targets: Sequence[str],
                        totals: Mapping[str, float], months: float = 0
                        ) -> dict[str, tuple[bool, float]]:
    """For each node: (rests on assumptions, its total loss over ``targets`` without the
    assumption relationships), given its total loss ``totals[node]`` with them (both read
    at the horizon ``months``)."""
    from analysis.horizon import capacity_at

    model = capacity_at(CapacityModel.from_graph(facts_only(graph)), months)
    target_index = {model.index[t] for t in targets}
    relevant = upstream(model, target_index) | target_index
    result = {}
    for node in nodes:
        i = model.index[node]
        changed = model.propagate({i: 1.0}, (i,), relevant.__contains__)
        total = sum(1.0 - v for t, v in changed.items()
                    if t in target_index and t != i and 1.0 - v > TOLERANCE)
        result[node] = (total < HALF * totals.get(node, 0.0) - TOLERANCE, total)
    return result
